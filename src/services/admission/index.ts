export { type Diagnostic, diagnose, KEYLESS_REFUSAL } from './diagnose.js';
export { AdmissionEngine, type AdmissionEngineOptions } from './engine.js';
export {
  type AdmissionDecision,
  type Check,
  type ImageResult,
  type JsonPatchOp,
  type Outcome,
  type Phase,
  type PolicyResult,
  type RuleResult,
  renderDecision,
} from './explain.js';
export { extractImages, type FoundImage, type ImageRef, normalizeImage } from './images.js';
export { type ClusterPolicy, PolicyError, parsePolicies } from './policy.js';
export {
  type AdmissionRequest,
  type AdmissionReviewResponse,
  admissionResponse,
  applyPatches,
  parseAdmissionReview,
  ReviewError,
  requestForResource,
} from './review.js';
export { parseStaticImages, type StaticImage, StaticVerifier } from './static-verifier.js';
export type { ImageVerifier } from './verifier.js';
