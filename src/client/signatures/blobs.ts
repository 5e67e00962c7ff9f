import { type Digest, digestOf } from '../../oci/digest.js';
import type { Descriptor } from '../manifest.js';
import type { RegistryClient } from '../registry-client.js';

/** Signature-sized blobs only: anything larger is refused before it is read. */
export const MAX_ARTIFACT_BLOB = 32 * 1024 * 1024;

export function descriptorOf(bytes: Uint8Array, mediaType: string): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.length };
}

/** Uploads `bytes` unless the repository already has them. */
export async function ensureBlob(client: RegistryClient, repo: string, bytes: Uint8Array): Promise<Digest> {
  const digest = digestOf(bytes);
  if (!(await client.blobExists(repo, digest))) {
    await client.uploadBlob(repo, { digest, size: bytes.length }, bytes);
  }
  return digest;
}

/** A small blob's bytes, verified against its digest. */
export async function readBlob(client: RegistryClient, repo: string, desc: Descriptor): Promise<Buffer> {
  if (desc.size > MAX_ARTIFACT_BLOB) {
    throw new Error(`blob ${desc.digest} is ${desc.size} bytes, more than a signature artifact may be`);
  }
  return client.getBlobBytes(repo, desc.digest);
}

/** A descriptor as written into a manifest: only the fields OCI defines, in ggcr's order. */
export function plainDescriptor(d: Descriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    size: d.size,
    digest: d.digest,
    ...(d.annotations && Object.keys(d.annotations).length > 0 ? { annotations: d.annotations } : {}),
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
  };
}
