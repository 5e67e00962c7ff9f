import { describe, expect, it } from 'vitest';
import { extractImages, normalizeImage, pinnedReference, valueAt } from './images.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('image normalisation (Kyverno)', () => {
  it.each([
    ['nginx', 'docker.io/nginx:latest'],
    ['nginx:1.25', 'docker.io/nginx:1.25'],
    ['library/nginx', 'docker.io/library/nginx:latest'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['registry.internal/app:1.0', 'registry.internal/app:1.0'],
    ['registry.internal/team/app', 'registry.internal/team/app:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev'],
    ['Registry/app', 'Registry/app:latest'],
    [`registry.internal/app@${D}`, `registry.internal/app@${D}`],
    [`registry.internal/app:1.0@${D}`, `registry.internal/app@${D}`],
    [`nginx@${D}`, `docker.io/nginx@${D}`],
  ])('%s → %s', (image, reference) => {
    expect(normalizeImage(image).reference).toBe(reference);
  });

  it.each([
    ['', 'empty'],
    ['registry.internal/App', 'invalid repository'],
    ['app:bad tag', 'invalid tag'],
    ['app@sha256:short', 'invalid digest'],
  ])('%j is refused (%s)', (image, message) => {
    expect(() => normalizeImage(image)).toThrow(message);
  });

  it('pins a tag as registry/path:tag@digest', () => {
    expect(pinnedReference(normalizeImage('nginx:1.25'), D)).toBe(`docker.io/nginx:1.25@${D}`);
    expect(pinnedReference(normalizeImage('registry.internal/app'), D)).toBe(
      `registry.internal/app:latest@${D}`,
    );
  });
});

const spec = {
  initContainers: [{ name: 'init', image: 'registry.internal/init:1' }],
  containers: [
    { name: 'app', image: 'registry.internal/app:1' },
    { name: 'side', image: 'busybox' },
  ],
  ephemeralContainers: [{ name: 'debug', image: 'registry.internal/debug:1' }],
};

describe('image extraction', () => {
  it.each([
    ['Pod', { spec }, '/spec'],
    ['Deployment', { spec: { template: { spec } } }, '/spec/template/spec'],
    ['StatefulSet', { spec: { template: { spec } } }, '/spec/template/spec'],
    ['DaemonSet', { spec: { template: { spec } } }, '/spec/template/spec'],
    ['ReplicaSet', { spec: { template: { spec } } }, '/spec/template/spec'],
    ['ReplicationController', { spec: { template: { spec } } }, '/spec/template/spec'],
    ['Job', { spec: { template: { spec } } }, '/spec/template/spec'],
    [
      'CronJob',
      { spec: { jobTemplate: { spec: { template: { spec } } } } },
      '/spec/jobTemplate/spec/template/spec',
    ],
  ])('%s: init, regular and ephemeral containers', (kind, object, base) => {
    const found = extractImages(kind, object);
    expect(found.map((f) => [f.pointer, f.container, f.raw])).toEqual([
      [`${base}/initContainers/0/image`, 'init', 'registry.internal/init:1'],
      [`${base}/containers/0/image`, 'app', 'registry.internal/app:1'],
      [`${base}/containers/1/image`, 'side', 'busybox'],
      [`${base}/ephemeralContainers/0/image`, 'debug', 'registry.internal/debug:1'],
    ]);
    expect(found[2]?.ref?.reference).toBe('docker.io/busybox:latest');
    for (const f of found) expect(valueAt(object, f.pointer)).toBe(f.raw);
  });

  it('finds nothing in kinds without a pod spec, or without containers', () => {
    expect(extractImages('ConfigMap', { data: { image: 'x' } })).toEqual([]);
    expect(extractImages('Deployment', { spec: {} })).toEqual([]);
    expect(extractImages('Pod', { spec: { containers: [{ name: 'x' }] } })).toEqual([]);
  });

  it('keeps a malformed image with the reason', () => {
    const [f] = extractImages('Pod', { spec: { containers: [{ name: 'x', image: 'Bad Image' }] } });
    expect(f?.ref).toBeUndefined();
    expect(f?.error).toMatch(/invalid/);
  });

  it('reads RFC 6901 pointers with escapes', () => {
    expect(valueAt({ 'a/b': { '~c': [1, 2] } }, '/a~1b/~0c/1')).toBe(2);
    expect(valueAt({ a: 1 }, '/b/c')).toBeUndefined();
  });
});
