import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../schema.js';
import { clustered, columnTypes } from './column-types.js';

function identity(dialect: SqlDialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

/**
 * Push and pull times on manifests and tags. One column per statement (SQLite adds one at a time);
 * existing rows take their first push (manifests) or last move (tags) as their last push.
 */
async function addTimes(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { int64 } = columnTypes(dialect);
  for (const table of ['manifests', 'tags'] as const) {
    await db.schema
      .alterTable(table)
      .addColumn('pushed_at', int64, (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable(table).addColumn('pulled_at', int64).execute();
  }
  await sql`update manifests set pushed_at = created_at`.execute(db);
  await sql`update tags set pushed_at = updated_at`.execute(db);
}

/** Every creation, move and deletion of a tag; kept when the tag and its manifests are gone. */
async function createTagHistory(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('tag_history')
    .addColumn('id', int64, identity(dialect))
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
    .addColumn('tag', key, (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_digest', 'text')
    .addColumn('to_digest', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('occurred_at', int64, (c) => c.notNull())
    .execute();
  // A tag's history, newest first, is one range scan.
  await db.schema
    .createIndex('tag_history_tag_idx')
    .on('tag_history')
    .columns(['repo_id', 'tag', 'id'])
    .execute();
}

/** `key=value` labels on manifests; they go with their manifest (cascade). */
async function createLabels(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('artifact_labels')
    .addColumn('repo_id', 'integer', (c) => c.notNull())
    .addColumn('manifest_digest', key, (c) => c.notNull())
    .addColumn('key', key, (c) => c.notNull())
    .addColumn('value', key, (c) => c.notNull())
    .addColumn('updated_at', int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('artifact_labels_pk', ['repo_id', 'manifest_digest', 'key'])
    .addForeignKeyConstraint(
      'artifact_labels_manifest_fk',
      ['repo_id', 'manifest_digest'],
      'manifests',
      ['repo_id', 'digest'],
      (c) => c.onDelete('cascade'),
    )
    .$call(clustered(dialect))
    .execute();
  // "Artifacts with label X (=Y)" for replication and retention filters.
  await db.schema
    .createIndex('artifact_labels_key_idx')
    .on('artifact_labels')
    .columns(['key', 'value', 'repo_id', 'manifest_digest'])
    .execute();
}

async function createImmutabilityRules(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { int64 } = columnTypes(dialect);
  await db.schema
    .createTable('immutability_rules')
    .addColumn('id', 'integer', identity(dialect))
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('repo_decoration', 'text', (c) => c.notNull())
    .addColumn('repo_pattern', 'text', (c) => c.notNull())
    .addColumn('tag_decoration', 'text', (c) => c.notNull())
    .addColumn('tag_pattern', 'text', (c) => c.notNull())
    .addColumn('created_at', int64, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('immutability_rules_project_idx')
    .on('immutability_rules')
    .column('project_id')
    .execute();
}

/** Tag history, immutability rules, labels, push and pull times. */
export function tagsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addTimes(db, dialect);
      await createTagHistory(db, dialect);
      await createLabels(db, dialect);
      await createImmutabilityRules(db, dialect);
    },
  };
}
