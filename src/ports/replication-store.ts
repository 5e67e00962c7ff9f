import type { NewJob } from './event-store.js';

/**
 * Replication policies, their executions with per-artifact results, and the upload sessions an
 * interrupted blob copy resumes from. The SQL adapter is src/adapters/meta-sql/replication/.
 */
export interface ReplicationStore {
  readonly policies: ReplicationPolicyStore;
  readonly executions: ReplicationExecutionStore;
  readonly uploads: ReplicationUploadStore;
}

/** push: this registry → the endpoint; pull: the endpoint → this registry. */
export type ReplicationMode = 'push' | 'pull';

/** What selects artifacts; an absent field selects everything. */
export interface ReplicationFilters {
  /** Doublestar glob over repository names (`platform/**`; `*` stays within a segment). */
  repository?: string;
  /** Glob over tags (`v*`). */
  tag?: string;
  /** `key` or `key=value`: only artifacts carrying that label (push mode). */
  label?: string;
  /** The manifest's artifactType (or its config media type; an index's media type). */
  artifactType?: string;
}

/** manual: on request only; cron: on a schedule (`HH:MM` daily, UTC, or an interval `30s|15m|6h`); onPush: on each push. */
export type ReplicationTrigger = { kind: 'manual' } | { kind: 'onPush' } | { kind: 'cron'; schedule: string };

export type CredentialType = 'basic' | 'token';

export interface ReplicationPolicyRecord {
  id: number;
  name: string;
  description: string;
  /** Only repositories of this project (`<project>` and `<project>/…`), when set. */
  project: string | null;
  mode: ReplicationMode;
  /** The other registry: `https://host[:port]` (http only when `insecure`). */
  endpointUrl: string;
  /** Plain http, or https without certificate verification. */
  insecure: boolean;
  /** The endpoint's credentials, sealed (AES-256-GCM); null: anonymous. Never leaves the service. */
  credentials: string | null;
  credentialType: CredentialType | null;
  filters: ReplicationFilters;
  trigger: ReplicationTrigger;
  /** Prefixed to repository names at the destination (`mirror` → `mirror/library/alpine`). */
  destinationNamespace: string | null;
  /** Replicate deletions too (push mode with the onPush trigger). */
  deleteReplication: boolean;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type NewReplicationPolicy = Omit<ReplicationPolicyRecord, 'id' | 'createdAt' | 'updatedAt'>;
export type ReplicationPolicyPatch = Partial<Omit<NewReplicationPolicy, 'name'>> & { name?: string };

export interface ReplicationPolicyStore {
  /** Throws ConflictError when the name is taken. */
  create(p: NewReplicationPolicy): Promise<ReplicationPolicyRecord>;
  get(id: number): Promise<ReplicationPolicyRecord | undefined>;
  getByName(name: string): Promise<ReplicationPolicyRecord | undefined>;
  /** Every policy, by id. */
  list(): Promise<ReplicationPolicyRecord[]>;
  /** Throws ConflictError when renamed onto a taken name; undefined when absent. */
  update(id: number, patch: ReplicationPolicyPatch): Promise<ReplicationPolicyRecord | undefined>;
  /** Deletes the policy with its executions (and their upload sessions). False when absent. */
  delete(id: number): Promise<boolean>;
}

export type ExecutionTrigger = 'manual' | 'cron' | 'onPush';
/** queued → running → succeeded (every artifact copied or skipped) or failed (some failed, or listing did). */
export type ExecutionStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface ExecutionCounts {
  total: number;
  /** Queued, running or waiting for a retry. */
  pending: number;
  copied: number;
  skipped: number;
  failed: number;
  /** Dry runs: would be copied. */
  planned: number;
  deleted: number;
}

export interface ExecutionRecord {
  id: number;
  policyId: number;
  trigger: ExecutionTrigger;
  dryRun: boolean;
  status: ExecutionStatus;
  /** Why the execution failed as a whole (the source could not be listed…); null otherwise. */
  error: string | null;
  /** The `replication.execute` job that ran it. */
  jobId: number | null;
  counts: ExecutionCounts;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/**
 * pending: its job waits; running; retrying: an attempt failed, another follows (with backoff);
 * copied; skipped: the destination had it all; failed: out of attempts; planned: a dry run would
 * copy it; deleted: a deletion replicated.
 */
export type ArtifactStatus =
  | 'pending'
  | 'running'
  | 'retrying'
  | 'copied'
  | 'skipped'
  | 'failed'
  | 'planned'
  | 'deleted';

export interface ArtifactRecord {
  id: number;
  executionId: number;
  /** The repository at the source. */
  repository: string;
  /** The repository at the destination (with the destination namespace). */
  destination: string;
  tag: string | null;
  digest: string | null;
  status: ArtifactStatus;
  /** Bytes moved (or, dry, to move). */
  bytes: number;
  /** Attempts started. */
  attempts: number;
  error: string | null;
  /** Counts of what was copied (manifests, blobs, attachments), as JSON. */
  detail: Record<string, unknown> | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface NewArtifact {
  repository: string;
  destination: string;
  tag: string | null;
  digest: string | null;
}

export interface ArtifactPatch {
  status?: ArtifactStatus;
  digest?: string | null;
  bytes?: number;
  attempts?: number;
  error?: string | null;
  detail?: Record<string, unknown> | null;
  startedAt?: Date;
  finishedAt?: Date | null;
}

export interface ReplicationExecutionStore {
  create(e: {
    policyId: number;
    trigger: ExecutionTrigger;
    dryRun: boolean;
    jobId?: number;
  }): Promise<ExecutionRecord>;
  /** The execution a job runs, created (status queued) the first time the job asks. */
  forJob(
    jobId: number,
    e: { policyId: number; trigger: ExecutionTrigger; dryRun: boolean },
  ): Promise<ExecutionRecord>;
  setJob(id: number, jobId: number): Promise<void>;
  get(id: number): Promise<ExecutionRecord | undefined>;
  /** Newest first, optionally of one policy; `before` is the last id of the previous page. */
  list(q: { policyId?: number; before?: number; limit: number }): Promise<ExecutionRecord[]>;
  update(
    id: number,
    patch: { status?: ExecutionStatus; error?: string | null; startedAt?: Date; finishedAt?: Date },
  ): Promise<void>;
  /**
   * Adds artifact rows (status pending) and, in the same transaction, one job per artifact from
   * `jobFor(artifactId)`: an artifact is never listed without the job that copies it.
   */
  addArtifacts(
    executionId: number,
    artifacts: readonly NewArtifact[],
    jobFor: (artifactId: number) => NewJob,
  ): Promise<ArtifactRecord[]>;
  /** An execution's artifacts, by id. */
  artifacts(executionId: number): Promise<ArtifactRecord[]>;
  getArtifact(id: number): Promise<ArtifactRecord | undefined>;
  updateArtifact(id: number, patch: ArtifactPatch): Promise<void>;
  /**
   * Marks a running execution finished — failed if any artifact failed, else succeeded — once no
   * artifact is pending, running or retrying (one statement: concurrent callers finish it once).
   */
  finishIfDone(id: number): Promise<void>;
}

/**
 * Upload URLs (or local session ids) of interrupted blob copies, per artifact (so only the retries
 * of one artifact's job continue a session, never two jobs at once), repository and digest.
 */
export interface ReplicationUploadStore {
  get(artifactId: number, repository: string, digest: string): Promise<string | undefined>;
  set(artifactId: number, repository: string, digest: string, location: string): Promise<void>;
  delete(artifactId: number, repository: string, digest: string): Promise<void>;
  /** Forgets every session of an artifact (its copy finished, or failed for good). */
  clear(artifactId: number): Promise<void>;
}
