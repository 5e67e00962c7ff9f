import type { Digest } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import { type Descriptor, readManifest } from '../manifest.js';
import type { RegistryClient } from '../registry-client.js';
import { descriptorOf, ensureBlob, plainDescriptor } from './blobs.js';
import { EMPTY_DESCRIPTOR, EMPTY_JSON, fallbackTag } from './layout.js';

/** An OCI 1.1 artifact to attach: one layer, an empty config, a subject. */
export interface NewReferrer {
  /** The target, as a HEAD of it answered (media type, digest, size). */
  subject: Descriptor;
  artifactType: string;
  layer: { mediaType: string; bytes: Buffer };
  annotations: Record<string, string>;
}

export interface ReferrerResult {
  digest: Digest;
  /** The referrers fallback tag updated, when the registry has no referrers API. */
  fallbackTag?: string;
}

/** The manifest bytes of a referrer (config `{}`, one layer, `subject`, annotations). */
export function referrerManifest(r: NewReferrer, layer: Descriptor): Buffer {
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: r.artifactType,
    config: plainDescriptor(EMPTY_DESCRIPTOR),
    layers: [plainDescriptor(layer)],
    subject: { mediaType: r.subject.mediaType, size: r.subject.size, digest: r.subject.digest },
    annotations: r.annotations,
  };
  return Buffer.from(JSON.stringify(doc));
}

/** Adds `entry` to the `sha256-<hex>` fallback index (spec §3), unless it is listed already. */
export async function addToFallbackIndex(
  client: RegistryClient,
  repo: string,
  subject: Digest,
  entry: Descriptor,
): Promise<string> {
  const tag = fallbackTag(subject);
  const existing = (await client.headManifest(repo, tag))
    ? readManifest((await client.getManifest(repo, tag)).bytes).manifests
    : [];
  if (existing.some((d) => d.digest === entry.digest)) return tag;
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [...existing, entry].map(plainDescriptor),
  };
  await client.putManifest(repo, tag, Buffer.from(JSON.stringify(index)), MediaType.OciIndex);
  return tag;
}

/**
 * Pushes a referrer by digest (no tag). On a registry without the referrers API the fallback
 * tag is maintained here, as the distribution spec asks of clients.
 */
export async function putReferrer(
  client: RegistryClient,
  repo: string,
  r: NewReferrer,
): Promise<ReferrerResult> {
  await ensureBlob(client, repo, EMPTY_JSON);
  await ensureBlob(client, repo, r.layer.bytes);
  const bytes = referrerManifest(r, descriptorOf(r.layer.bytes, r.layer.mediaType));
  const digest = await client.putManifest(repo, descriptorOf(bytes, MediaType.OciManifest).digest, bytes);
  if (await client.supportsReferrers(repo, r.subject.digest)) return { digest };
  const entry: Descriptor = {
    ...descriptorOf(bytes, MediaType.OciManifest),
    artifactType: r.artifactType,
    annotations: r.annotations,
  };
  return { digest, fallbackTag: await addToFallbackIndex(client, repo, r.subject.digest, entry) };
}
