import type { Descriptor } from '../manifest.js';
import { CREATED_ANNOTATION } from './layout.js';
import type { SignatureStore } from './store.js';

export type SbomType = 'spdx' | 'cyclonedx';

export const SPDX_JSON = 'text/spdx+json';
export const SPDX_TAG_VALUE = 'text/spdx';
export const CYCLONEDX_JSON = 'application/vnd.cyclonedx+json';

function parseJson(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The SBOM's media type (cosign's names), from `type` or else from the document itself. */
export function sbomMediaType(bytes: Buffer, type?: SbomType): string {
  const doc = parseJson(bytes);
  const isTagValue = /^\s*SPDXVersion:/m.test(bytes.subarray(0, 4096).toString('utf8'));
  if (type === 'cyclonedx') {
    if (!doc) throw new Error('a CycloneDX SBOM must be JSON');
    return CYCLONEDX_JSON;
  }
  if (type === 'spdx') return doc ? SPDX_JSON : SPDX_TAG_VALUE;
  if (doc && typeof doc.spdxVersion === 'string') return SPDX_JSON;
  if (doc && doc.bomFormat === 'CycloneDX') return CYCLONEDX_JSON;
  if (!doc && isTagValue) return SPDX_TAG_VALUE;
  throw new Error('cannot tell the SBOM format (neither SPDX nor CycloneDX); pass --type');
}

export interface SbomAttached {
  mediaType: string;
  layer: Descriptor;
  /** The `.sbom` tag and the digest of its manifest. */
  tag: string;
  tagDigest: string;
  /** The referrer's digest. */
  referrer: string;
  fallbackTag?: string;
}

/**
 * Attaches an SBOM both ways: as the layer of the subject's `.sbom` tag (replacing an SBOM of the
 * same media type, as `cosign attach sbom` replaces) and as a referrer whose artifactType is the
 * SBOM's media type.
 */
export async function attachSbom(
  store: SignatureStore,
  subject: Descriptor,
  bytes: Buffer,
  mediaType: string,
  now: Date = new Date(),
): Promise<SbomAttached> {
  const legacy = await store.appendLegacy(
    subject.digest,
    'sbom',
    { mediaType, bytes, annotations: {} },
    { replaces: async (e) => e.descriptor.mediaType === mediaType },
  );
  const ref = await store.putReferrer({
    subject,
    artifactType: mediaType,
    layer: { mediaType, bytes },
    annotations: { [CREATED_ANNOTATION]: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  });
  const layer = (await store.tagged(subject.digest, ['sbom']))[0]?.layers.at(-1);
  if (!layer) throw new Error(`${legacy.tag} has no layer after the write`);
  return {
    mediaType,
    layer,
    tag: legacy.tag,
    tagDigest: legacy.digest,
    referrer: ref.digest,
    ...(ref.fallbackTag ? { fallbackTag: ref.fallbackTag } : {}),
  };
}
