import type { Generated } from 'kysely';

/** Kysely table types of retention (migration 0009-retention). Booleans are 0/1 integers. */
export interface RetentionTables {
  retention_policies: RetentionPoliciesTable;
  retention_runs: RetentionRunsTable;
  retention_run_items: RetentionRunItemsTable;
}

export interface RetentionPoliciesTable {
  project_id: number;
  /** JSON: RetentionRule[]. */
  rules: string;
  schedule: string | null;
  enabled: number;
  updated_at: number;
}

export interface RetentionRunsTable {
  id: Generated<number>;
  project_id: number;
  trigger: string;
  dry_run: number;
  status: string;
  started_at: number;
  finished_at: number | null;
  heartbeat_at: number | null;
  tags_removed: number;
  manifests_deleted: number;
  retained: number;
  failed: number;
  error: string | null;
}

export interface RetentionRunItemsTable {
  run_id: number;
  seq: number;
  repository: string;
  digest: string;
  action: string;
  /** JSON: string[]. */
  tags: string;
  reason: string;
  rule: number | null;
  outcome: string;
  error: string | null;
}
