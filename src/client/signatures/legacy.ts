import type { Digest } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import { type Descriptor, readManifest } from '../manifest.js';
import type { RegistryClient } from '../registry-client.js';
import { descriptorOf, ensureBlob, plainDescriptor, readBlob } from './blobs.js';
import { type CosignSuffix, cosignTag, ggcrConfig, MAX_LAYERS } from './layout.js';

/** A `sha256-<hex>.sig|.att|.sbom` manifest as read. */
export interface TagManifest {
  tag: string;
  digest: Digest;
  mediaType: string;
  layers: Descriptor[];
}

/** One layer to add: the blob and its descriptor annotations. */
export interface NewLayer {
  mediaType: string;
  bytes: Buffer;
  annotations: Record<string, string>;
}

/** An existing layer, with its blob fetched on demand. */
export interface ExistingLayer {
  descriptor: Descriptor;
  load(): Promise<Buffer>;
}

export interface AppendOptions {
  /** True when an existing layer makes the new one redundant. Default: same blob and annotations. */
  isDuplicate?: (existing: ExistingLayer) => Promise<boolean>;
  /** Existing layers to drop before appending (`attest --replace`). */
  replaces?: (existing: ExistingLayer) => Promise<boolean>;
}

export interface AppendResult {
  tag: string;
  /** The digest of the tag manifest after the write (or as found, when nothing changed). */
  digest: Digest;
  appended: boolean;
  replaced: number;
}

const READABLE = new Set<string>([MediaType.OciManifest, MediaType.DockerManifest]);

export class TagSchemeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TagSchemeError';
  }
}

/** Reads a cosign tag manifest; undefined when the tag does not exist. */
export async function readTagManifest(
  client: RegistryClient,
  repo: string,
  subject: Digest,
  suffix: CosignSuffix,
): Promise<TagManifest | undefined> {
  const tag = cosignTag(subject, suffix);
  if (!(await client.headManifest(repo, tag))) return undefined;
  const m = await client.getManifest(repo, tag);
  const info = readManifest(m.bytes, m.mediaType);
  if (!READABLE.has(info.mediaType)) {
    throw new TagSchemeError(`${repo}:${tag} is a ${info.mediaType}, not an image manifest`);
  }
  if (info.layers.length > MAX_LAYERS) {
    throw new TagSchemeError(`${repo}:${tag} has ${info.layers.length} layers, more than ${MAX_LAYERS}`);
  }
  return { tag, digest: m.digest, mediaType: info.mediaType, layers: info.layers };
}

function sameLayer(a: Descriptor, b: Descriptor): boolean {
  return a.digest === b.digest && JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {});
}

/** The manifest bytes for `layers`, with a ggcr config (uploaded here) naming them. */
async function buildManifest(
  client: RegistryClient,
  repo: string,
  mediaType: string,
  layers: Descriptor[],
): Promise<Buffer> {
  const configBytes = ggcrConfig(layers.map((l) => l.digest));
  const configType = mediaType === MediaType.DockerManifest ? MediaType.DockerConfig : MediaType.OciConfig;
  await ensureBlob(client, repo, configBytes);
  const doc = {
    schemaVersion: 2,
    mediaType,
    config: plainDescriptor(descriptorOf(configBytes, configType)),
    layers: layers.map(plainDescriptor),
  };
  return Buffer.from(JSON.stringify(doc));
}

/**
 * GETs the tag manifest, appends `layer` and PUTs it back (racy, as cosign's is). Nothing is written
 * when an identical layer is already there and nothing was replaced.
 */
export async function appendLayer(
  client: RegistryClient,
  repo: string,
  subject: Digest,
  suffix: CosignSuffix,
  layer: NewLayer,
  opts: AppendOptions = {},
): Promise<AppendResult> {
  const current = await readTagManifest(client, repo, subject, suffix);
  const desc: Descriptor = { ...descriptorOf(layer.bytes, layer.mediaType), annotations: layer.annotations };
  const isDuplicate = opts.isDuplicate ?? (async (e: ExistingLayer) => sameLayer(e.descriptor, desc));
  const kept: Descriptor[] = [];
  let duplicate = false;
  for (const d of current?.layers ?? []) {
    const existing = { descriptor: d, load: () => readBlob(client, repo, d) };
    if (opts.replaces && (await opts.replaces(existing))) continue;
    if (!duplicate && (await isDuplicate(existing))) duplicate = true;
    kept.push(d);
  }
  const replaced = (current?.layers.length ?? 0) - kept.length;
  const tag = cosignTag(subject, suffix);
  if (current && duplicate && replaced === 0) {
    return { tag, digest: current.digest, appended: false, replaced: 0 };
  }
  if (!duplicate) {
    if (kept.length >= MAX_LAYERS)
      throw new TagSchemeError(`${repo}:${tag} already has ${MAX_LAYERS} layers`);
    await ensureBlob(client, repo, layer.bytes);
    kept.push(desc);
  }
  const mediaType = current?.mediaType ?? MediaType.OciManifest;
  const bytes = await buildManifest(client, repo, mediaType, kept);
  const digest = await client.putManifest(repo, tag, bytes, mediaType);
  return { tag, digest, appended: !duplicate, replaced };
}
