import type { Digest } from '../oci/digest.js';
import type { Actor } from './lifecycle-store.js';

/**
 * What an environment project (`staging`, `prod`) requires of an artifact promoted into it. Set by
 * the target project's admins; a project without gates accepts no promotion at all.
 */
export interface PromotionGates {
  /** Projects an artifact may be promoted from; [] means any. */
  from: string[];
  /** Signed by one of the target project's `supplyChain.trustedKeys`. */
  requireSignature: boolean;
  /** in-toto predicate types that must each be attached and signed by a trusted key. */
  requiredAttestations: string[];
  /** Named approvals (`qa-signoff`) that must each be recorded for the digest and this target. */
  requiredApprovals: string[];
  /** A regular expression the promoted tag must match; null: semver. */
  tagPattern: string | null;
}

/** The verdict of one gate on one promotion. */
export interface GateResult {
  /** `source`, `signature`, `attestation:<type>`, `approval:<name>`, `not-revoked`, `tag`… */
  gate: string;
  ok: boolean;
  reason: string;
}

export interface StoredGates extends PromotionGates {
  project: string;
  updatedBy: string;
  updatedAt: Date;
}

/** A sign-off on a digest for one target project. */
export interface Approval {
  digest: Digest;
  /** The target project it approves promotion into. */
  target: string;
  name: string;
  actor: Actor;
  comment: string | null;
  at: Date;
}

/** A promotion that happened: it locks `repository:tag` to `digest` for good. */
export interface Promotion {
  id: number;
  repository: string;
  tag: string;
  digest: Digest;
  /** `dev/app@sha256:…` */
  source: string;
  actor: Actor;
  at: Date;
  gates: GateResult[];
}

/** A digest withdrawn registry-wide. `parent`: revoked as a child of that index. */
export interface Revocation {
  digest: Digest;
  parent: Digest | null;
  /** The repository it was revoked in (its project's admins may lift it). */
  repository: string;
  reason: string;
  actor: Actor;
  at: Date;
}

/**
 * Promotion gates, approvals, the promotion log (which locks the tags it produced) and revocations.
 * Gates go with their project; approvals, promotions and revocations are records keyed by digest
 * and names (kept when repositories go: they are history).
 */
export interface PromotionStore {
  gates(project: string): Promise<StoredGates | undefined>;
  /** Sets a project's gates; false when the project does not exist. */
  setGates(project: string, gates: PromotionGates, actor: Actor): Promise<boolean>;
  /** Records an approval; the same actor approving the same (digest, target, name) again changes nothing. */
  approve(a: Approval): Promise<Approval>;
  /** Approvals of a digest, oldest first, optionally for one target only. */
  approvals(digest: Digest, target?: string): Promise<Approval[]>;
  /** Records a promotion (one per repository and tag). */
  recordPromotion(p: Omit<Promotion, 'id'>): Promise<Promotion>;
  /** Removes a promotion record: its copy failed, or a system admin unlocks its tag. */
  forgetPromotion(id: number): Promise<void>;
  /** One promotion by id. */
  promotion(id: number): Promise<Promotion | undefined>;
  /** The promotion that produced `repository:tag`, if any: that tag may never move or go. */
  promotionOf(repository: string, tag: string): Promise<Promotion | undefined>;
  /** Promotions into a project's repositories (or registry-wide), newest first. */
  promotions(q: { project?: string; n: number }): Promise<Promotion[]>;
  /** Records revocations (insert-or-ignore: a digest already revoked keeps its first record). */
  revoke(rows: readonly Revocation[]): Promise<void>;
  /** Lifts the revocation of a digest and of the children revoked with it; false when it was not revoked. */
  unrevoke(digest: Digest): Promise<boolean>;
  /** Every revocation (a small table: read whole into the pull gate's cache). */
  revocations(): Promise<Revocation[]>;
  /** The tags of a repository whose history shows them pointing at `digest`, in lexical order. */
  tagsThatHeld(repository: string, digest: Digest): Promise<string[]>;
}
