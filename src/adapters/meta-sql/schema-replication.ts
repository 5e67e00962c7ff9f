import type { Generated } from 'kysely';

/**
 * Kysely table types of replication (migration in migrations/0007-replication.ts). Timestamps are
 * epoch milliseconds; JSON columns are text; booleans are 0/1 integers on both dialects.
 */
export interface ReplicationTables {
  replication_policies: ReplicationPoliciesTable;
  replication_executions: ReplicationExecutionsTable;
  replication_artifacts: ReplicationArtifactsTable;
  replication_uploads: ReplicationUploadsTable;
}

export interface ReplicationPoliciesTable {
  id: Generated<number>;
  name: string;
  description: string;
  project: string | null;
  mode: string;
  endpoint_url: string;
  insecure: number;
  credentials: string | null;
  credential_type: string | null;
  /** JSON object of the filters set. */
  filters: string;
  /** JSON: `{kind}` or `{kind:'cron', schedule}`. */
  trigger: string;
  destination_namespace: string | null;
  delete_replication: number;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface ReplicationExecutionsTable {
  id: Generated<number>;
  policy_id: number;
  trigger: string;
  dry_run: number;
  status: string;
  error: string | null;
  job_id: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface ReplicationArtifactsTable {
  id: Generated<number>;
  execution_id: number;
  repository: string;
  destination: string;
  tag: string | null;
  digest: string | null;
  status: string;
  bytes: number;
  attempts: number;
  error: string | null;
  detail: string | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface ReplicationUploadsTable {
  artifact_id: number;
  repository: string;
  digest: string;
  location: string;
  updated_at: number;
}
