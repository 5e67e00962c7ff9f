import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';
import { clustered, columnTypes } from './column-types.js';

function serial(dialect: SqlDialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

async function createPolicies(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('replication_policies')
    .addColumn('id', 'integer', serial(dialect))
    .addColumn('name', key, (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('project', key)
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('endpoint_url', 'text', (c) => c.notNull())
    .addColumn('insecure', 'integer', (c) => c.notNull())
    // Sealed with AES-256-GCM under replication.secretKey; null: anonymous.
    .addColumn('credentials', 'text')
    .addColumn('credential_type', 'text')
    .addColumn('filters', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('destination_namespace', 'text')
    .addColumn('delete_replication', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', int64, (c) => c.notNull())
    .addColumn('updated_at', int64, (c) => c.notNull())
    .execute();
}

async function createExecutions(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('replication_executions')
    .addColumn('id', int64, serial(dialect))
    .addColumn('policy_id', 'integer', (c) =>
      c.notNull().references('replication_policies.id').onDelete('cascade'),
    )
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('job_id', int64, (c) => c.unique())
    .addColumn('created_at', int64, (c) => c.notNull())
    .addColumn('started_at', int64)
    .addColumn('finished_at', int64)
    .execute();
  await db.schema
    .createIndex('replication_executions_policy_idx')
    .on('replication_executions')
    .columns(['policy_id', 'id'])
    .execute();
  await db.schema
    .createTable('replication_artifacts')
    .addColumn('id', int64, serial(dialect))
    .addColumn('execution_id', int64, (c) =>
      c.notNull().references('replication_executions.id').onDelete('cascade'),
    )
    .addColumn('repository', key, (c) => c.notNull())
    .addColumn('destination', key, (c) => c.notNull())
    .addColumn('tag', 'text')
    .addColumn('digest', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('bytes', int64, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('detail', 'text')
    .addColumn('started_at', int64)
    .addColumn('finished_at', int64)
    .execute();
  await db.schema
    .createIndex('replication_artifacts_execution_idx')
    .on('replication_artifacts')
    .columns(['execution_id', 'status'])
    .execute();
}

async function createUploads(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('replication_uploads')
    .addColumn('artifact_id', int64, (c) =>
      c.notNull().references('replication_artifacts.id').onDelete('cascade'),
    )
    .addColumn('repository', key, (c) => c.notNull())
    .addColumn('digest', key, (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('updated_at', int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('replication_uploads_pk', ['artifact_id', 'repository', 'digest'])
    .$call(clustered(dialect))
    .execute();
}

/** Replication policies, executions with per-artifact results, resumable upload sessions. */
export function replicationMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createPolicies(db, dialect);
      await createExecutions(db, dialect);
      await createUploads(db, dialect);
    },
  };
}
