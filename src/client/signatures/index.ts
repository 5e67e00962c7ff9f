export { type AttestOptions, type AttestResult, attestImage, predicateFor } from './attest.js';
export { type ArtifactKind, type CosignSuffix, cosignTag, fallbackTag } from './layout.js';
export { type AppendOptions, type AppendResult, type NewLayer, TagSchemeError } from './legacy.js';
export { checkPolicy, type Policy, PolicyError, parsePolicy } from './policy.js';
export type { NewReferrer, ReferrerResult } from './referrer.js';
export { attachSbom, type SbomAttached, type SbomType, sbomMediaType } from './sbom.js';
export { type ReferrersMode, type SignOptions, type SignResult, signImage } from './sign.js';
export { type Attached, SignatureStore } from './store.js';
export { attachedTree, type Tree, type TreeItem } from './tree.js';
export {
  type ArtifactRef,
  type VerifyImageOptions,
  type VerifyReport,
  verifyAttestations,
  verifySignatures,
} from './verify.js';
