import type { Digest } from '../../oci/digest.js';
import { type Descriptor, parseManifest } from '../../oci/manifest.js';
import type { ManifestRecord, MetaStore } from '../../ports/meta-store.js';
import {
  BUNDLE_PREDICATE_TYPE_ANNOTATION,
  COSIGN_SIGN_PREDICATE_TYPE,
  type CosignTagKind,
  cosignTag,
  DSSE_MEDIA_TYPE,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from '../../supplychain/index.js';

export type AttachmentKind = 'signature' | 'attestation' | 'sbom' | 'other';

/** How an attachment's bytes are read and verified. */
export type AttachmentFormat = 'bundle' | 'simple-signing' | 'dsse' | 'sbom' | 'other';

/** One signature, attestation or SBOM stored for a manifest, located but not yet read. */
export interface Attachment {
  kind: AttachmentKind;
  format: AttachmentFormat;
  /** An OCI referrer (its `subject` is the manifest) or one of cosign's `sha256-<hex>.sig|att|sbom` tags. */
  source: 'referrer' | 'tag';
  /** The manifest holding it. */
  manifest: Digest;
  /** The cosign tag it was found under; null for referrers. */
  tag: string | null;
  /** The layer holding it; null for a referrer of no known shape (`other`). */
  layer: Digest | null;
  layerSize: number;
  /** The layer's media type, or the referrer's artifactType for `other`. */
  mediaType: string;
  /** The predicateType the annotations announce: a hint, verification reads the statement itself. */
  predicateType: string | null;
  /** The `dev.cosignproject.cosign/signature` annotation (simple signing). */
  signature: string;
}

/** Media types of SBOM documents as cosign `attach sbom` and referrer tools store them. */
const SBOM_MEDIA_TYPES = [
  'text/spdx+json',
  'text/spdx',
  'application/spdx+json',
  'application/vnd.cyclonedx+json',
  'application/vnd.cyclonedx+xml',
  'application/vnd.syft+json',
];

/** Referrers and layers looked at per manifest: far more than any real signer writes (cosign reads 1000 layers). */
const MAX_REFERRERS = 200;
const MAX_LAYERS = 1000;

const isBundleType = (mt: string) => mt.startsWith('application/vnd.dev.sigstore.bundle');

function formatOf(mediaType: string): AttachmentFormat | undefined {
  if (isBundleType(mediaType)) return 'bundle';
  if (mediaType === SIMPLE_SIGNING_MEDIA_TYPE) return 'simple-signing';
  if (mediaType === DSSE_MEDIA_TYPE) return 'dsse';
  if (SBOM_MEDIA_TYPES.includes(mediaType)) return 'sbom';
  return undefined;
}

function kindOf(format: AttachmentFormat, predicateType: string | null): AttachmentKind {
  if (format === 'simple-signing') return 'signature';
  if (format === 'bundle')
    return predicateType && predicateType !== COSIGN_SIGN_PREDICATE_TYPE ? 'attestation' : 'signature';
  if (format === 'dsse') return 'attestation';
  return format;
}

function layersOf(m: ManifestRecord): { layers: Descriptor[]; annotations: Record<string, string> } {
  try {
    const parsed = parseManifest(m.body, m.mediaType);
    return { layers: parsed.blobs.filter((b) => b !== parsed.config), annotations: parsed.annotations ?? {} };
  } catch {
    return { layers: [], annotations: {} };
  }
}

/** The attachments one stored manifest (a referrer or a cosign tag's manifest) carries. */
export function attachmentsIn(
  m: ManifestRecord,
  where: { source: 'referrer' | 'tag'; tag: string | null },
): Attachment[] {
  const { layers, annotations } = layersOf(m);
  const out: Attachment[] = [];
  for (const layer of layers.slice(0, MAX_LAYERS)) {
    const format = formatOf(layer.mediaType);
    if (!format) continue;
    const a = layer.annotations ?? {};
    const hint =
      format === 'bundle' ? annotations[BUNDLE_PREDICATE_TYPE_ANNOTATION] : a[PREDICATE_TYPE_ANNOTATION];
    const predicateType = hint || null;
    out.push({
      kind: kindOf(format, predicateType),
      format,
      ...where,
      manifest: m.digest,
      layer: layer.digest,
      layerSize: layer.size,
      mediaType: layer.mediaType,
      predicateType,
      signature: a[SIGNATURE_ANNOTATION] ?? '',
    });
  }
  if (out.length === 0 && where.source === 'referrer') {
    out.push({
      kind: 'other',
      format: 'other',
      ...where,
      manifest: m.digest,
      layer: null,
      layerSize: 0,
      mediaType: m.artifactType ?? m.mediaType,
      predicateType: null,
      signature: '',
    });
  }
  return out;
}

const TAG_KINDS: CosignTagKind[] = ['sig', 'att', 'sbom'];

/**
 * Finds what is stored for a manifest: its referrers in the repository (Sigstore bundles, cosign's
 * oci-1-1 signatures, SBOMs, anything else) and the layers of cosign's `sha256-<hex>.sig`, `.att`
 * and `.sbom` tags. Metadata only: no blob is read here.
 */
export class AttachmentReader {
  constructor(private readonly meta: MetaStore) {}

  async list(repo: string, digest: Digest): Promise<Attachment[]> {
    const r = await this.meta.repos.get(repo);
    if (!r) return [];
    const out: Attachment[] = [];
    const referrers = await this.meta.manifests.referrers(r.id, digest);
    for (const ref of referrers.slice(0, MAX_REFERRERS)) {
      const m = await this.meta.manifests.getByDigest(repo, ref.digest);
      if (m) out.push(...attachmentsIn(m, { source: 'referrer', tag: null }));
    }
    for (const kind of TAG_KINDS) {
      const tag = cosignTag(digest, kind);
      const m = await this.meta.manifests.getByTag(repo, tag);
      if (m) out.push(...attachmentsIn(m, { source: 'tag', tag }));
    }
    return out;
  }

  /** Indexes in the repository that list the manifest (a child of a multi-platform image). */
  async parents(repo: string, digest: Digest): Promise<Digest[]> {
    const r = await this.meta.repos.get(repo);
    return r ? this.meta.manifests.parents(r.id, digest) : [];
  }
}

/** Where an attachment is, for messages: `sha256-<hex>.sig`, `referrer sha256:<hex>`. */
export function describeAttachment(a: Attachment): string {
  return a.source === 'tag' ? (a.tag ?? '') : `referrer ${a.manifest}`;
}
