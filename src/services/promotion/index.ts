export type { PromotionDecision, PromotionServiceOptions } from './deps.js';
export {
  builtInChecks,
  checkGates,
  evaluateGates,
  type GateCheck,
  type GateEvidence,
  type GateInput,
  MAX_GATE_ENTRIES,
} from './gates.js';
export { promotedTags } from './locks.js';
export type { PromoteRequest, PromoteResult } from './promote.js';
export {
  describeRevocation,
  RevokedDigests,
  revokedError,
  revokedPulls,
  withRevocations,
} from './revocations.js';
export { isSemver } from './semver.js';
export { PromotionService, type RevokeResult, type RollbackResult, revokedTagBase } from './service.js';
export { parseSource, type SourceRef } from './source.js';
