import type { Generated } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { AccessTables } from './schema-access.js';
import type { EventTables } from './schema-events.js';
import type { GcTables } from './schema-gc.js';
import type { LifecycleTables } from './schema-lifecycle.js';
import type { PromotionTables } from './schema-promotion.js';
import type { ReplicationTables } from './schema-replication.js';
import type { RetentionTables } from './schema-retention.js';

/**
 * Table types for Kysely. Timestamps are integer epoch milliseconds (bigint on PostgreSQL, parsed
 * back to a JS number); sizes are bigint there too. Text keys that are listed in lexical order
 * (repository and tag names) use the "C" collation on PostgreSQL so both dialects sort by bytes.
 */
export interface Database
  extends AccessTables,
    EventTables,
    LifecycleTables,
    ReplicationTables,
    GcTables,
    PromotionTables,
    RetentionTables {
  blobs: BlobsTable;
  repositories: RepositoriesTable;
  repo_blobs: RepoBlobsTable;
  manifests: ManifestsTable;
  manifest_refs: ManifestRefsTable;
  tags: TagsTable;
  uploads: UploadsTable;
}

/** A committed blob: a row implies a complete, verified file in the blob store. */
export interface BlobsTable {
  digest: Digest;
  size: number;
  created_at: number;
}

export interface RepositoriesTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}

/** A blob is visible in a repository only once linked there (upload, mount or manifest). */
export interface RepoBlobsTable {
  repo_id: number;
  digest: Digest;
  created_at: number;
}

export interface ManifestsTable {
  repo_id: number;
  digest: Digest;
  media_type: string;
  artifact_type: string | null;
  subject: Digest | null;
  size: number;
  body: Buffer;
  annotations: string | null;
  created_at: number;
  /** The last push of this digest (by digest or through a tag). */
  pushed_at: number;
  /** The last GET (batched); null: never pulled. */
  pulled_at: number | null;
}

/** Reference edges (config, layer, child manifest, subject): GC reachability and referrers. */
export interface ManifestRefsTable {
  repo_id: number;
  manifest_digest: Digest;
  child_digest: Digest;
  kind: string;
}

export interface TagsTable {
  repo_id: number;
  name: string;
  manifest_digest: Digest;
  updated_at: number;
  /** The last push through this tag (a re-push of the same digest counts). */
  pushed_at: number;
  /** The last GET by this tag while it pointed at its manifest (batched); null: never. */
  pulled_at: number | null;
}

export interface UploadsTable {
  id: string;
  repo_id: number;
  offset: number;
  started_at: number;
  updated_at: number;
}

export type SqlDialect = 'sqlite' | 'postgres';
