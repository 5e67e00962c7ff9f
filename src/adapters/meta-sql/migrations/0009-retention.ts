import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

function identity(dialect: SqlDialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

/**
 * Retention: one policy per project (its rules as JSON), the history of runs and each run's items.
 * All go with their project (cascade).
 */
export function retentionMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const { key, int64 } = columnTypes(dialect);
      await db.schema
        .createTable('retention_policies')
        .addColumn('project_id', 'integer', (c) =>
          c.primaryKey().references('projects.id').onDelete('cascade'),
        )
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('schedule', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('updated_at', int64, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('retention_runs')
        .addColumn('id', int64, identity(dialect))
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('dry_run', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', int64, (c) => c.notNull())
        .addColumn('finished_at', int64)
        // Raised while the run goes on: a run whose heartbeat stopped was interrupted (a crash).
        .addColumn('heartbeat_at', int64)
        .addColumn('tags_removed', int64, (c) => c.notNull().defaultTo(0))
        .addColumn('manifests_deleted', int64, (c) => c.notNull().defaultTo(0))
        .addColumn('retained', int64, (c) => c.notNull().defaultTo(0))
        .addColumn('failed', int64, (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .execute();
      // A project's runs, newest first, is one range scan.
      await db.schema
        .createIndex('retention_runs_project_idx')
        .on('retention_runs')
        .columns(['project_id', 'id'])
        .execute();
      await db.schema
        .createTable('retention_run_items')
        .addColumn('run_id', int64, (c) => c.notNull().references('retention_runs.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('rule', 'integer')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('retention_run_items_pk', ['run_id', 'seq'])
        .execute();
    },
  };
}
