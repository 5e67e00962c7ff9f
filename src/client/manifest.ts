import { type Digest, tryParseDigest } from '../oci/digest.js';
import { isIndexMediaType, MediaType } from '../oci/media-types.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

/** An OCI content descriptor, as much of it as the client needs. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
  urls?: string[];
}

/** What a manifest or index points at, read leniently (the registry validated it, or will). */
export interface ManifestInfo {
  mediaType: string;
  isIndex: boolean;
  config: Descriptor | undefined;
  layers: Descriptor[];
  manifests: Descriptor[];
  subject: Descriptor | undefined;
  artifactType: string | undefined;
  annotations: Record<string, string> | undefined;
}

/** Manifest types a client accepts, most specific first (sent as `Accept`). */
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest,
].join(', ');

export class ManifestFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestFormatError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toDescriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw new ManifestFormatError(`${where} is not a descriptor`);
  const digest = typeof v.digest === 'string' ? tryParseDigest(v.digest) : undefined;
  if (!digest || typeof v.size !== 'number' || typeof v.mediaType !== 'string') {
    throw new ManifestFormatError(`${where} is not a valid descriptor`);
  }
  const d: Descriptor = { mediaType: v.mediaType, digest, size: v.size };
  if (isObject(v.annotations)) d.annotations = v.annotations as Record<string, string>;
  if (isObject(v.platform)) d.platform = v.platform as unknown as Platform;
  if (typeof v.artifactType === 'string') d.artifactType = v.artifactType;
  if (Array.isArray(v.urls) && v.urls.length > 0) d.urls = v.urls as string[];
  return d;
}

function descriptors(v: unknown, where: string): Descriptor[] {
  if (!Array.isArray(v)) return [];
  return v.map((x, i) => toDescriptor(x, `${where}[${i}]`));
}

/** Parses manifest bytes; `fallbackMediaType` (Content-Type or descriptor) is used when the body has none. */
export function readManifest(bytes: Uint8Array, fallbackMediaType?: string): ManifestInfo {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ManifestFormatError('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw new ManifestFormatError('manifest is not a JSON object');
  const fallback = fallbackMediaType?.split(';')[0]?.trim();
  const mediaType =
    typeof doc.mediaType === 'string'
      ? doc.mediaType
      : fallback || (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest);
  return {
    mediaType,
    isIndex: isIndexMediaType(mediaType) || (Array.isArray(doc.manifests) && doc.config === undefined),
    config: doc.config === undefined ? undefined : toDescriptor(doc.config, 'config'),
    layers: descriptors(doc.layers, 'layers'),
    manifests: descriptors(doc.manifests, 'manifests'),
    subject:
      doc.subject === undefined || doc.subject === null ? undefined : toDescriptor(doc.subject, 'subject'),
    artifactType: typeof doc.artifactType === 'string' ? doc.artifactType : undefined,
    annotations: isObject(doc.annotations) ? (doc.annotations as Record<string, string>) : undefined,
  };
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter((x) => typeof x === 'string' && x !== '').join('/');
}
