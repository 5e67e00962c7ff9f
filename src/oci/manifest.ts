import { type Digest, tryParseDigest } from './digest.js';
import { RegistryError } from './errors.js';
import { isIndexMediaType, isManifestMediaType, MediaType } from './media-types.js';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

/** What the registry needs to know of a manifest to store and link it. */
export interface ParsedManifest {
  mediaType: string;
  /** artifactType, else the config media type (the referrers API reports that). */
  artifactType: string | null;
  subject: Descriptor | null;
  /** Blobs that must already be in the repository (config and layers without external urls). */
  blobs: Descriptor[];
  /** Child manifests that must already be in the repository (index entries). */
  manifests: Descriptor[];
  config: Descriptor | null;
  annotations: Record<string, string> | null;
}

// RFC 6838 type/subtype, loosely: enough to reject garbage without refusing real types.
const MEDIA_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message, { detail });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseAnnotations(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw invalid(`${where}: annotations must be a map of strings`);
  }
  return v as Record<string, string>;
}

export function parseDescriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw invalid(`${where}: descriptor must be an object`);
  const { mediaType, digest, size, artifactType, urls } = v;
  if (typeof mediaType !== 'string' || !MEDIA_TYPE_RE.test(mediaType)) {
    throw invalid(`${where}: invalid mediaType`);
  }
  const d = typeof digest === 'string' ? tryParseDigest(digest) : undefined;
  if (!d) throw invalid(`${where}: invalid digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(`${where}: size must be a non-negative integer`);
  }
  const out: Descriptor = { mediaType, digest: d, size };
  if (artifactType !== undefined) {
    if (typeof artifactType !== 'string' || !MEDIA_TYPE_RE.test(artifactType)) {
      throw invalid(`${where}: invalid artifactType`);
    }
    out.artifactType = artifactType;
  }
  const annotations = parseAnnotations(v.annotations, where);
  if (annotations) out.annotations = annotations;
  if (urls !== undefined) {
    if (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string'))
      throw invalid(`${where}: invalid urls`);
    if (urls.length > 0) out.urls = urls as string[];
  }
  return out;
}

function parseDescriptorList(v: unknown, where: string): Descriptor[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where} must be an array`);
  return v.map((item, i) => parseDescriptor(item, `${where}[${i}]`));
}

function parseJson(body: Buffer): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw invalid('manifest must be a JSON object');
  return doc;
}

/** Picks the media type from Content-Type and the body's mediaType, refusing a contradiction. */
function resolveMediaType(contentType: string | undefined, doc: Record<string, unknown>): string {
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim().toLowerCase();
  const fromHeader = header && isManifestMediaType(header) ? header : undefined;
  if (declared !== undefined && fromHeader !== undefined && declared !== fromHeader) {
    throw invalid('Content-Type does not match the manifest mediaType', {
      contentType: header,
      mediaType: declared,
    });
  }
  const mt =
    declared ?? fromHeader ?? (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest);
  if (!isManifestMediaType(mt)) throw invalid('unsupported manifest media type', { mediaType: mt });
  return mt;
}

/**
 * Validates a manifest body (OCI image manifest or index, Docker schema 2 manifest or list, any
 * artifact manifest) and extracts what it references. Never trusts the body further than that.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  const doc = parseJson(body);
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const mediaType = resolveMediaType(contentType, doc);
  const subject =
    doc.subject === undefined || doc.subject === null ? null : parseDescriptor(doc.subject, 'subject');
  const annotations = parseAnnotations(doc.annotations, 'manifest') ?? null;
  if (
    doc.artifactType !== undefined &&
    (typeof doc.artifactType !== 'string' || !MEDIA_TYPE_RE.test(doc.artifactType))
  ) {
    throw invalid('invalid artifactType');
  }
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : null;
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw invalid('an index must have a manifests array');
    const manifests = parseDescriptorList(doc.manifests, 'manifests');
    return { mediaType, artifactType, subject, blobs: [], manifests, config: null, annotations };
  }
  if (doc.manifests !== undefined) throw invalid('an image manifest must not have manifests');
  const config = parseDescriptor(doc.config, 'config');
  const layers = parseDescriptorList(doc.layers, 'layers');
  const blobs = [config, ...layers.filter((l) => l.urls === undefined)];
  return {
    mediaType,
    artifactType: artifactType ?? config.mediaType,
    subject,
    blobs,
    manifests: [],
    config,
    annotations,
  };
}
