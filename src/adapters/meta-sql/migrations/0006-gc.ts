import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

function identity(dialect: SqlDialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

/**
 * Garbage collection: the history of its runs, and an index answering "does any manifest, in any
 * repository, reference this digest?" (manifest_refs_child_idx leads with the repository).
 */
export function gcMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const { key, int64 } = columnTypes(dialect);
      await db.schema
        .createTable('gc_runs')
        .addColumn('id', int64, identity(dialect))
        .addColumn('dry_run', 'integer', (c) => c.notNull())
        .addColumn('trigger', key, (c) => c.notNull())
        .addColumn('started_at', int64, (c) => c.notNull())
        .addColumn('finished_at', int64, (c) => c.notNull())
        .addColumn('duration_ms', int64, (c) => c.notNull())
        .addColumn('grace_hours', dialect === 'postgres' ? sql`double precision` : sql`real`, (c) =>
          c.notNull(),
        )
        .addColumn('links_removed', int64, (c) => c.notNull())
        .addColumn('blobs_deleted', int64, (c) => c.notNull())
        .addColumn('blob_bytes', int64, (c) => c.notNull())
        .addColumn('orphan_files', int64, (c) => c.notNull())
        .addColumn('orphan_bytes', int64, (c) => c.notNull())
        .addColumn('uploads_expired', int64, (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createIndex('manifest_refs_digest_idx')
        .on('manifest_refs')
        .column('child_digest')
        .execute();
    },
  };
}
