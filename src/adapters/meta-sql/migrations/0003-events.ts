import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';
import { clustered, columnTypes } from './column-types.js';

/** A generated primary key (SQLite's INTEGER PRIMARY KEY is 64-bit already). */
function identity(dialect: SqlDialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

async function createEvents(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('events')
    .addColumn('id', key, (c) => c.primaryKey())
    .addColumn('type', key, (c) => c.notNull())
    .addColumn('occurred_at', int64, (c) => c.notNull())
    .addColumn('actor', key, (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('project', key)
    .addColumn('repository', key)
    .addColumn('digest', 'text')
    .addColumn('tag', 'text')
    .addColumn('media_type', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .$call(clustered(dialect))
    .execute();
  // Each audit query is one range scan, newest first: (filter, occurred_at, id) serves both the
  // time range and the keyset cursor. The last one serves retention and unfiltered listing.
  for (const col of ['project', 'actor', 'type'] as const) {
    await db.schema
      .createIndex(`events_${col}_time_idx`)
      .on('events')
      .columns([col, 'occurred_at', 'id'])
      .execute();
  }
  await db.schema.createIndex('events_time_idx').on('events').columns(['occurred_at', 'id']).execute();
}

async function createWebhooks(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'integer', identity(dialect))
    .addColumn('project', key, (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhooks_project_idx').on('webhooks').column('project').execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', int64, identity(dialect))
    .addColumn('webhook_id', 'integer', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event_id', key, (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('created_at', int64, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_webhook_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'id'])
    .execute();
}

async function createJobs(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('jobs')
    .addColumn('id', int64, identity(dialect))
    .addColumn('kind', key, (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('unique_key', key, (c) => c.unique())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', int64, (c) => c.notNull())
    .addColumn('lease_until', int64)
    .addColumn('lease_owner', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('result', 'text')
    .addColumn('created_at', int64, (c) => c.notNull())
    .addColumn('updated_at', int64, (c) => c.notNull())
    .execute();
  // Claiming scans due jobs by status and time; finished jobs stay out of both indexes' hot ranges.
  await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('jobs_lease_idx').on('jobs').columns(['status', 'lease_until']).execute();
}

/** Events (outbox and audit log), webhooks and their deliveries, jobs. */
export function eventsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createEvents(db, dialect);
      await createWebhooks(db, dialect);
      await createJobs(db, dialect);
    },
  };
}
