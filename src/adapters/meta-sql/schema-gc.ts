import type { Generated } from 'kysely';

/** Kysely table types of garbage collection (migration 0006-gc). Booleans are 0/1 integers. */
export interface GcTables {
  gc_runs: GcRunsTable;
}

/** One run of garbage collection: what it removed (or, dry, would have). */
export interface GcRunsTable {
  id: Generated<number>;
  dry_run: number;
  trigger: string;
  started_at: number;
  finished_at: number;
  duration_ms: number;
  grace_hours: number;
  links_removed: number;
  blobs_deleted: number;
  blob_bytes: number;
  orphan_files: number;
  orphan_bytes: number;
  uploads_expired: number;
  error: string | null;
}
