import { parseManifest } from '../../oci/manifest.js';
import type { ManifestRecord } from '../../ports/meta-store.js';
import {
  COSIGN_SIGNATURE_ARTIFACT_TYPE,
  DSSE_MEDIA_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
} from '../../supplychain/index.js';
import { attachmentsIn } from './attachments.js';

/** cosign's legacy tags: `sha256-<hex>.sig`, `.att`, `.sbom`. */
const COSIGN_TAG_RE = /^[a-z0-9]+-[a-f0-9]{32,}\.(sig|att|sbom)$/;

export function isCosignTag(tag: string): boolean {
  return COSIGN_TAG_RE.test(tag);
}

const ARTIFACT_TYPES = [
  COSIGN_SIGNATURE_ARTIFACT_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  DSSE_MEDIA_TYPE,
  'application/spdx+json',
  'text/spdx+json',
  'application/vnd.cyclonedx+json',
  'application/vnd.syft+json',
];

/** Made only of signature, attestation and SBOM layers (a `.sig` or `.att` manifest fetched by digest). */
export function hasOnlySupplyChainLayers(m: ManifestRecord): boolean {
  try {
    const parsed = parseManifest(m.body, m.mediaType);
    const layers = parsed.blobs.filter((b) => b !== parsed.config);
    return layers.length > 0 && attachmentsIn(m, { source: 'tag', tag: null }).length === layers.length;
  } catch {
    return false;
  }
}

/**
 * Whether a manifest is marked as a signature, attestation or SBOM without reading its layers:
 * fetched under a cosign tag, a referrer (`subject`), or of a Sigstore, cosign, in-toto or SBOM
 * artifactType. Such manifests are never subject to signed-only pulls (cosign could verify nothing).
 */
export function isMarkedSupplyChainArtifact(m: ManifestRecord, reference: string): boolean {
  if (isCosignTag(reference) || m.subject !== null) return true;
  const type = m.artifactType ?? '';
  return type.startsWith('application/vnd.dev.sigstore.') || ARTIFACT_TYPES.includes(type);
}
