import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/client/index.js';
import {
  BUNDLE_MEDIA_TYPE,
  EMPTY_DESCRIPTOR,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from '../../src/client/signatures/layout.js';
import { SignatureStore } from '../../src/client/signatures/store.js';
import type { Digest } from '../../src/oci/digest.js';
import { sha256 } from '../helpers/images.js';
import { TARGETS, useTarget } from './registries.js';

const layer = (n: string) => ({
  mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
  bytes: Buffer.from(`{"payload":"${n}"}`),
  annotations: { [SIGNATURE_ANNOTATION]: `sig-${n}` },
});

describe.each(TARGETS)('signature store on %s', (name) => {
  const t = useTarget(name);

  it('accumulates layers in the .sig manifest, skipping identical ones', async () => {
    const image = await t.push('store/app', 'v1');
    const store = new SignatureStore(t.client, 'store/app');
    const subject = await store.resolve('v1');
    expect(subject).toEqual({
      mediaType: image.manifest.descriptor.mediaType,
      digest: image.manifest.descriptor.digest,
      size: image.manifest.bytes.length,
    });
    const first = await store.appendLegacy(subject.digest, 'sig', layer('a'));
    expect(first).toMatchObject({ tag: `sha256-${subject.digest.slice(7)}.sig`, appended: true });
    expect((await store.appendLegacy(subject.digest, 'sig', layer('b'))).appended).toBe(true);
    const again = await store.appendLegacy(subject.digest, 'sig', layer('a'));
    expect(again.appended).toBe(false);

    const m = await t.client.getManifest('store/app', first.tag);
    const info = readManifest(m.bytes);
    expect(info.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(info.layers.map((l) => l.annotations?.[SIGNATURE_ANNOTATION])).toEqual(['sig-a', 'sig-b']);
    const config = JSON.parse(
      (await t.client.getBlobBytes('store/app', info.config?.digest as Digest)).toString(),
    );
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: info.layers.map((l) => l.digest) });

    const [sig] = await store.tagged(subject.digest);
    expect(sig).toMatchObject({ kind: 'signature', source: 'tag', digest: m.digest });
    expect((await store.blob(info.layers[1] as never)).toString()).toBe('{"payload":"b"}');
  });

  it('reads and extends a Docker schema 2 .sig (COSIGN_DOCKER_MEDIA_TYPES), refuses more than 1000 layers', async () => {
    const image = await t.push('store/docker', 'v1');
    const d = image.manifest.descriptor.digest as Digest;
    const store = new SignatureStore(t.client, 'store/docker');
    const first = layer('d');
    for (const bytes of [first.bytes, Buffer.from('{}')]) {
      await t.client.uploadBlob(
        'store/docker',
        { digest: sha256(bytes) as Digest, size: bytes.length },
        bytes,
      );
    }
    const desc = { mediaType: first.mediaType, size: first.bytes.length, digest: sha256(first.bytes) };
    const docker = (layers: unknown[]) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: {
            mediaType: 'application/vnd.docker.container.image.v1+json',
            size: 2,
            digest: sha256(Buffer.from('{}')),
          },
          layers,
        }),
      );
    const tag = `sha256-${d.slice(7)}.sig`;
    await t.client.putManifest('store/docker', tag, docker([{ ...desc, annotations: first.annotations }]));
    expect((await store.appendLegacy(d, 'sig', layer('e'))).appended).toBe(true);
    const [sig] = await store.tagged(d, ['sig']);
    expect(sig?.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(sig?.layers.map((l) => l.annotations?.[SIGNATURE_ANNOTATION])).toEqual(['sig-d', 'sig-e']);

    await t.client.putManifest('store/docker', tag, docker(Array(1001).fill(desc)));
    await expect(store.tagged(d, ['sig'])).rejects.toThrow(
      `store/docker:${tag} has 1001 layers, more than 1000`,
    );
  });

  it('replaces layers when asked (attest --replace)', async () => {
    const image = await t.push('store/replace', 'v1');
    const store = new SignatureStore(t.client, 'store/replace');
    const d = image.manifest.descriptor.digest as Digest;
    await store.appendLegacy(d, 'att', layer('x'));
    await store.appendLegacy(d, 'att', layer('y'));
    const r = await store.appendLegacy(d, 'att', layer('z'), {
      replaces: async (e) => (await e.load()).toString().includes('"x"'),
    });
    expect(r).toMatchObject({ appended: true, replaced: 1 });
    const [att] = await store.tagged(d, ['att']);
    expect(att?.layers.map((l) => l.annotations?.[SIGNATURE_ANNOTATION])).toEqual(['sig-y', 'sig-z']);
  });

  it('pushes a referrer with an empty config and finds it again', async () => {
    await t.push('store/ref', 'v1');
    const store = new SignatureStore(t.client, 'store/ref');
    const subject = await store.resolve('v1');
    const bundle = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
    const annotations = { 'dev.sigstore.bundle.content': 'dsse-envelope' };
    const r = await store.putReferrer({
      subject,
      artifactType: BUNDLE_MEDIA_TYPE,
      layer: { mediaType: BUNDLE_MEDIA_TYPE, bytes: bundle },
      annotations,
    });
    if (name === 'wharf') expect(r.fallbackTag).toBeUndefined();
    else expect(r.fallbackTag).toBe(`sha256-${subject.digest.slice(7)}`);

    const info = readManifest((await t.client.getManifest('store/ref', r.digest)).bytes);
    expect(info.config).toEqual(EMPTY_DESCRIPTOR);
    expect(info.subject).toEqual(subject);
    expect(info.layers).toEqual([
      { mediaType: BUNDLE_MEDIA_TYPE, digest: sha256(bundle), size: bundle.length },
    ]);
    const found = await store.discover(subject.digest);
    expect(found).toEqual([
      {
        kind: 'attestation',
        source: 'referrer',
        digest: r.digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: BUNDLE_MEDIA_TYPE,
        annotations,
        layers: info.layers,
      },
    ]);
  });
});
