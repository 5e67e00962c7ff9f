import type { Generated } from 'kysely';
import type { Digest } from '../../oci/digest.js';

/** Promotion gates, approvals, promotions and revocations (migration 0010-promotion). */
export interface PromotionTables {
  promotion_gates: PromotionGatesTable;
  promotion_approvals: PromotionApprovalsTable;
  promotions: PromotionsTable;
  revocations: RevocationsTable;
}

export interface PromotionGatesTable {
  project_id: number;
  /** JSON of PromotionGates. */
  gates: string;
  updated_by: string;
  updated_at: number;
}

export interface PromotionApprovalsTable {
  digest: Digest;
  target: string;
  name: string;
  actor: string;
  actor_kind: string;
  comment: string | null;
  approved_at: number;
}

export interface PromotionsTable {
  id: Generated<number>;
  repository: string;
  tag: string;
  digest: Digest;
  source: string;
  actor: string;
  actor_kind: string;
  promoted_at: number;
  /** JSON of GateResult[]. */
  gates: string;
}

export interface RevocationsTable {
  digest: Digest;
  parent_digest: Digest | null;
  repository: string;
  reason: string;
  actor: string;
  actor_kind: string;
  revoked_at: number;
}
