import { type Digest, digestHex } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import {
  BUNDLE_CONTENT_ANNOTATION,
  BUNDLE_MEDIA_TYPE,
  BUNDLE_PREDICATE_TYPE_ANNOTATION,
  CERTIFICATE_ANNOTATION,
  COSIGN_SIGN_PREDICATE_TYPE,
  COSIGN_SIGNATURE_ARTIFACT_TYPE,
  type CosignTagKind,
  CREATED_ANNOTATION,
  DSSE_MEDIA_TYPE,
  EMPTY_JSON_DIGEST,
  IN_TOTO_PAYLOAD_TYPE,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from '../../supplychain/index.js';

/**
 * Where cosign puts things in a registry (supply-chain spec §1a/§1b, §3):
 *
 *   <repo>:sha256-<hex>.sig    OCI manifest, one simple-signing layer per signature
 *   <repo>:sha256-<hex>.att    OCI manifest, one DSSE envelope layer per attestation
 *   <repo>:sha256-<hex>.sbom   OCI manifest, the raw SBOM documents
 *   <repo>@sha256:…            OCI 1.1 referrer: empty config, one bundle (or SBOM) layer, `subject`
 *   <repo>:sha256-<hex>        referrers fallback index, kept by us when the registry has no API
 */
export type CosignSuffix = CosignTagKind;

// Re-exported so the files here import their layout constants from one place.
export {
  BUNDLE_CONTENT_ANNOTATION,
  BUNDLE_MEDIA_TYPE,
  BUNDLE_PREDICATE_TYPE_ANNOTATION,
  CERTIFICATE_ANNOTATION,
  COSIGN_SIGN_PREDICATE_TYPE,
  CREATED_ANNOTATION,
  DSSE_MEDIA_TYPE,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
};

export const BUNDLE_MEDIA_PREFIX = 'application/vnd.dev.sigstore.bundle';

export const SBOM_MEDIA_TYPES: readonly string[] = [
  'text/spdx+json',
  'text/spdx',
  'application/spdx+json',
  'application/vnd.cyclonedx+json',
  'application/vnd.syft+json',
];

/** The empty JSON blob `{}` every referrer's config points at. */
export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_DESCRIPTOR = {
  mediaType: MediaType.OciEmpty,
  digest: EMPTY_JSON_DIGEST as Digest,
  size: 2,
};

/** Readers refuse tag-scheme manifests with more layers than this (as cosign does). */
export const MAX_LAYERS = 1000;

/** `sha256-<hex>.sig` and friends. */
export function cosignTag(digest: Digest, suffix: CosignSuffix): string {
  return `${fallbackTag(digest)}.${suffix}`;
}

/** The referrers fallback tag: `<alg>-<hex>` (spec §3, alg ≤ 32 and hex ≤ 64 characters). */
export function fallbackTag(digest: Digest): string {
  const alg = digest.slice(0, digest.indexOf(':')).slice(0, 32);
  return `${alg}-${digestHex(digest).slice(0, 64)}`;
}

/**
 * ggcr's config for an image built from `empty.Image` plus layers: what cosign writes as the config
 * of a `.sig`/`.att` manifest. Nothing reads it, but it must be a valid image config.
 */
export function ggcrConfig(diffIds: readonly Digest[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: diffIds.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: diffIds },
      config: {},
    }),
  );
}

export type ArtifactKind = 'signature' | 'attestation' | 'sbom' | 'other';

/** What a referrer is, from its artifactType and annotations (the bundle's predicateType is a hint). */
export function referrerKind(
  artifactType: string | undefined,
  annotations?: Record<string, string>,
): ArtifactKind {
  if (!artifactType) return 'other';
  if (artifactType.startsWith(BUNDLE_MEDIA_PREFIX)) {
    const predicateType = annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION];
    return predicateType === COSIGN_SIGN_PREDICATE_TYPE ? 'signature' : 'attestation';
  }
  if (artifactType === COSIGN_SIGNATURE_ARTIFACT_TYPE) return 'signature';
  if (artifactType === IN_TOTO_PAYLOAD_TYPE) return 'attestation';
  if (SBOM_MEDIA_TYPES.includes(artifactType)) return 'sbom';
  return 'other';
}

export function suffixKind(suffix: CosignSuffix): ArtifactKind {
  if (suffix === 'sig') return 'signature';
  return suffix === 'att' ? 'attestation' : 'sbom';
}
