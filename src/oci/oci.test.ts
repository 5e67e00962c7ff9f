import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { digestOf, tryParseDigest } from './digest.js';
import { ERROR_CODES, RegistryError } from './errors.js';
import { parseManifest } from './manifest.js';
import { MediaType } from './media-types.js';
import { isRepositoryName, isTag } from './names.js';

describe('digests', () => {
  it.each([
    [`sha256:${'a'.repeat(64)}`, true],
    [`sha512:${'b'.repeat(128)}`, true],
    [`sha256:${'A'.repeat(64)}`, false],
    [`sha256:${'a'.repeat(63)}`, false],
    [`sha512:${'a'.repeat(64)}`, false],
    ['md5:abc', false],
    ['', false],
  ])('%s valid=%s', (d, ok) => {
    expect(tryParseDigest(d) !== undefined).toBe(ok);
  });

  it('computes sha256 and sha512', () => {
    expect(digestOf('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digestOf('', 'sha512')).toMatch(/^sha512:cf83e135/);
  });
});

describe('names and tags follow the spec grammar', () => {
  it.each(['a', 'library/ubuntu', 'a.b/c_d/e__f/g-h--i', 'x0/y1'])('%s is a name', (n) =>
    expect(isRepositoryName(n)).toBe(true),
  );
  it.each(['', 'A', 'a/', '/a', 'a//b', 'a/../b', 'a-', '_a', 'a___b', 'a/.b', `${'a'.repeat(256)}`])(
    '%s is not a name',
    (n) => expect(isRepositoryName(n)).toBe(false),
  );
  it.each(['latest', 'v1.0', '_x', 'A-b.c_d', 'x'.repeat(128)])('%s is a tag', (t) =>
    expect(isTag(t)).toBe(true),
  );
  it.each(['', '.x', '-x', 'a:b', 'x'.repeat(129), 'a/b'])('%s is not a tag', (t) =>
    expect(isTag(t)).toBe(false),
  );
});

describe('parseManifest', () => {
  const d = (s: string) => ({ mediaType: 'application/octet-stream', digest: digestOf(s), size: s.length });

  it('extracts config, layers (skipping foreign ones), subject and artifactType', () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { ...d('c'), mediaType: 'application/vnd.example.config' },
        layers: [d('l1'), { ...d('foreign'), urls: ['https://example.invalid/x'] }],
        subject: d('s'),
        annotations: { a: 'b' },
      }),
    );
    const m = parseManifest(body, MediaType.OciManifest);
    expect(m.blobs.map((b) => b.digest)).toEqual([digestOf('c'), digestOf('l1')]);
    expect(m.subject?.digest).toBe(digestOf('s'));
    expect(m.artifactType).toBe('application/vnd.example.config');
    expect(m.annotations).toEqual({ a: 'b' });
  });

  it('infers the media type when neither header nor body gives one', () => {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [d('m')] }));
    expect(parseManifest(index, undefined).mediaType).toBe(MediaType.OciIndex);
    expect(parseManifest(index, undefined).manifests).toHaveLength(1);
  });

  it.each([
    ['non-string annotation', { annotations: { a: 1 } }],
    ['manifests in an image manifest', { manifests: [] }],
    ['bad artifactType', { artifactType: 'nope' }],
    ['bad subject', { subject: { digest: 'x' } }],
  ])('refuses %s', (_n, extra) => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: d('c'),
        layers: [],
        ...extra,
      }),
    );
    expect(() => parseManifest(body, undefined)).toThrow(RegistryError);
  });
});

describe('docs/reference/errors.md', () => {
  it('documents every error code with its status', async () => {
    const doc = await readFile(new URL('../../docs/reference/errors.md', import.meta.url), 'utf8');
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
    }
  });
});
