import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryClientError } from '../../src/client/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { type DockerRegistry, startDockerRegistry } from '../helpers/docker-registry.js';
import {
  blobOf,
  makeImage,
  makeIndex,
  makeMultiPlatformIndex,
  OCI_LAYER,
  sha256,
} from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';

let reg: DockerRegistry;
let client: RegistryClient;

beforeAll(async () => {
  reg = await startDockerRegistry();
  client = new RegistryClient({ registry: reg.host, chunkSize: 64 * 1024 });
});
afterAll(async () => {
  await reg?.stop();
});

async function readStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('RegistryClient against docker-registry', () => {
  it('pings', async () => {
    await client.ping();
  });

  it('uploads small blobs in one PUT and large ones in chunks, from bytes or streams', async () => {
    for (const size of [0, 10, 64 * 1024, 300 * 1024 + 7]) {
      const blob = blobOf(randomBytes(size), OCI_LAYER);
      const digest = blob.descriptor.digest as Digest;
      expect(await client.blobExists('blobs/test', digest)).toBe(false);
      const source =
        size % 2 ? blob.bytes : () => Readable.from([blob.bytes.subarray(0, 5), blob.bytes.subarray(5)]);
      const progress: number[] = [];
      await client.uploadBlob('blobs/test', { digest, size }, source, {
        onProgress: (n) => progress.push(n),
      });
      expect(progress.reduce((a, b) => a + b, 0)).toBe(size);
      expect(progress.length).toBe(Math.max(1, Math.ceil(size / (64 * 1024))));
      expect(await client.statBlob('blobs/test', digest)).toBe(size);
      const { stream } = await client.getBlob('blobs/test', digest);
      expect((await readStream(stream)).equals(blob.bytes)).toBe(true);
    }
  });

  it('mounts a blob from another repository', async () => {
    const blob = blobOf(randomBytes(2000), OCI_LAYER);
    const desc = { digest: blob.descriptor.digest as Digest, size: blob.bytes.length };
    expect(await client.uploadBlob('mount/src', desc, blob.bytes)).toBe('uploaded');
    expect(await client.uploadBlob('mount/dst', desc, blob.bytes, { mountFrom: 'mount/src' })).toBe(
      'mounted',
    );
    expect(await client.blobExists('mount/dst', desc.digest)).toBe(true);
  });

  it('falls back to an upload when the mount source lacks the blob', async () => {
    const blob = blobOf(randomBytes(500), OCI_LAYER);
    const desc = { digest: blob.descriptor.digest as Digest, size: blob.bytes.length };
    expect(await client.uploadBlob('mount/dst2', desc, blob.bytes, { mountFrom: 'mount/empty' })).toBe(
      'uploaded',
    );
    expect(await client.blobExists('mount/dst2', desc.digest)).toBe(true);
  });

  it('finds referrers through the tag fallback when the registry has no referrers API', async () => {
    const image = makeImage({ layers: 1 });
    await pushArtifact(client, 'app/refs', 'v1', image);
    const sig = makeImage({
      layers: 1,
      artifactType: 'application/vnd.example.sig',
      subject: image.manifest.descriptor,
    });
    await pushArtifact(client, 'app/refs', sig.manifest.descriptor.digest, sig);
    const subject = image.manifest.descriptor.digest as Digest;
    expect(await client.referrers('app/refs', subject)).toEqual([]);
    const index = makeIndex([sig]);
    await client.putManifest('app/refs', subject.replace(':', '-'), index.manifest.bytes);
    const found = await client.referrers('app/refs', subject);
    expect(found.map((d) => d.digest)).toEqual([sig.manifest.descriptor.digest]);
    expect(await client.referrers('app/refs', subject, { artifactType: 'other/type' })).toEqual([]);
  });

  it('puts, gets, heads and deletes manifests byte for byte', async () => {
    const image = makeImage({ layers: 3 });
    await pushArtifact(client, 'app/one', 'v1', image);
    const got = await client.getManifest('app/one', 'v1');
    expect(got.bytes.equals(image.manifest.bytes)).toBe(true);
    expect(got.digest).toBe(image.manifest.descriptor.digest);
    const head = await client.headManifest('app/one', got.digest);
    expect(head?.digest).toBe(got.digest);
    expect(head?.size).toBe(image.manifest.bytes.length);
    await client.deleteManifest('app/one', got.digest);
    expect(await client.headManifest('app/one', got.digest)).toBeUndefined();
    const err = await client.getManifest('app/one', 'v1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryClientError);
    expect((err as RegistryClientError).status).toBe(404);
    expect((err as RegistryClientError).code).toBe('MANIFEST_UNKNOWN');
  });

  it('pushes a multi-platform index', async () => {
    const index = makeMultiPlatformIndex();
    await pushArtifact(client, 'app/multi', 'latest', index);
    const got = await client.getManifest('app/multi', 'latest');
    expect(got.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(got.digest).toBe(index.manifest.descriptor.digest);
  });

  it('lists tags across pages and the catalog', async () => {
    const image = makeImage({ layers: 1, size: 10 });
    const tags = Array.from({ length: 7 }, (_, i) => `t${i}`);
    for (const t of tags) await pushArtifact(client, 'app/paged', t, image);
    expect((await client.listTags('app/paged', { pageSize: 2 })).sort()).toEqual(tags);
    expect(await client.listTags('app/paged')).toHaveLength(7);
    const repos = await client.catalog({ pageSize: 1 });
    expect(repos).toContain('app/paged');
  });

  it('rejects a manifest whose bytes do not match the digest asked', async () => {
    const image = makeImage({ layers: 1 });
    await pushArtifact(client, 'app/verify', 'v1', image);
    const wrong = sha256(Buffer.from('nope')) as Digest;
    const err = await client.getManifest('app/verify', wrong).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryClientError);
  });
});
