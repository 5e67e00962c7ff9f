import { describe, expect, it } from 'vitest';
import { formatReference, InvalidReferenceError, parseReference, parseRepository } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  const ok: [string, string, string, string | undefined, string | undefined][] = [
    ['busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['busybox:1.36', 'docker.io', 'library/busybox', '1.36', undefined],
    ['library/busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['user/app:v1', 'docker.io', 'user/app', 'v1', undefined],
    ['docker.io/busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['index.docker.io/user/app', 'docker.io', 'user/app', 'latest', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/app', 'localhost:5000', 'app', 'latest', undefined],
    ['localhost:5000/a/b/c:tag', 'localhost:5000', 'a/b/c', 'tag', undefined],
    [`127.0.0.1:5000/app@${D}`, '127.0.0.1:5000', 'app', undefined, D],
    [`ghcr.io/org/app:v1@${D}`, 'ghcr.io', 'org/app', 'v1', D],
    ['quay.io/app', 'quay.io', 'app', 'latest', undefined],
    ['[::1]:5000/app:x', '[::1]:5000', 'app', 'x', undefined],
    ['Registry/app', 'Registry', 'app', 'latest', undefined],
    ['a/b_c__d-e.f/g', 'docker.io', 'a/b_c__d-e.f/g', 'latest', undefined],
    [`app@${D}`, 'docker.io', 'library/app', undefined, D],
  ];
  it.each(ok)('%s', (input, registry, repository, tag, digest) => {
    const ref = parseReference(input);
    expect(ref.registry).toBe(registry);
    expect(ref.repository).toBe(repository);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
  });

  const bad = [
    '',
    'UPPER',
    'docker.io/Upper/app',
    'app:',
    'app:bad/tag',
    'app@sha256:1234',
    'app@md5:abc',
    'host:5000/',
    'a//b',
    '-a/b',
    `app:${'x'.repeat(129)}`,
    'bad_host.com:/app',
    'local host/app',
  ];
  it.each(bad)('rejects %j with a one-line typed error', (input) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidReferenceError);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('formatReference', () => {
  it('round-trips', () => {
    for (const s of ['localhost:5000/a/b:t', `ghcr.io/o/a:v@${D}`, `docker.io/library/x@${D}`]) {
      expect(formatReference(parseReference(s))).toBe(s);
    }
  });
  it('fills in defaults', () => {
    expect(formatReference(parseReference('busybox'))).toBe('docker.io/library/busybox:latest');
  });
});

describe('parseRepository', () => {
  it('parses host and repo', () => {
    expect(parseRepository('localhost:5000/a/b')).toEqual({ registry: 'localhost:5000', repository: 'a/b' });
    expect(parseRepository('alpine')).toEqual({ registry: 'docker.io', repository: 'library/alpine' });
  });
  it('rejects a tag or digest', () => {
    expect(() => parseRepository('localhost:5000/a:t')).toThrow(InvalidReferenceError);
    expect(() => parseRepository(`a@${D}`)).toThrow(InvalidReferenceError);
  });
});
