/** cosign and Sigstore media types, annotation keys and the legacy tag scheme (spec §1a–1c). */

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const EMPTY_JSON_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
/** The blob `{}` that is the config of every bundle referrer. */
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
/** config.mediaType of cosign's experimental oci-1-1 referrer mode for simple signatures. */
export const COSIGN_SIGNATURE_ARTIFACT_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

// Layer-descriptor annotations of the legacy .sig/.att manifests (the keys cosign's code uses).
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const RFC3161_TIMESTAMP_ANNOTATION = 'dev.sigstore.cosign/rfc3161timestamp';
export const PREDICATE_TYPE_ANNOTATION = 'predicateType';

// Manifest annotations of a bundle referrer.
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** predicateType of the Statement cosign v3 `sign` wraps in a bundle. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

export type CosignTagKind = 'sig' | 'att' | 'sbom';

const DIGEST_RE = /^([a-z0-9]+):([a-f0-9]{32,})$/;

/** The legacy tag for a manifest digest: `sha256:<hex>` → `sha256-<hex>.sig` (or `.att`, `.sbom`). */
export function cosignTag(digest: string, kind: CosignTagKind): string {
  const m = DIGEST_RE.exec(digest);
  if (!m) throw new TypeError(`not a digest: ${digest.slice(0, 100)}`);
  return `${m[1]}-${m[2]}.${kind}`;
}
