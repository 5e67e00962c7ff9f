import type { RegistryClient } from '../../src/client/index.js';
import type { Digest } from '../../src/oci/digest.js';
import type { TestArtifact, TestBlob } from './images.js';

async function pushBlob(client: RegistryClient, repo: string, blob: TestBlob): Promise<void> {
  const digest = blob.descriptor.digest as Digest;
  if (await client.blobExists(repo, digest)) return;
  await client.uploadBlob(repo, { digest, size: blob.bytes.length }, blob.bytes);
}

/** Pushes a test image or index (blobs, child manifests by digest, then the manifest under `ref`). */
export async function pushArtifact(
  client: RegistryClient,
  repo: string,
  ref: string,
  a: TestArtifact,
): Promise<void> {
  for (const blob of a.blobs) await pushBlob(client, repo, blob);
  if (a.kind === 'index') {
    for (const child of a.children) {
      const m = child.manifest;
      await client.putManifest(repo, m.descriptor.digest, m.bytes, m.descriptor.mediaType);
    }
  }
  await client.putManifest(repo, ref, a.manifest.bytes, a.manifest.descriptor.mediaType);
}
