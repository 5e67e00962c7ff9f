import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';
import { clustered, columnTypes } from './column-types.js';

/** An integer primary key the database assigns. */
function serial(dialect: SqlDialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

async function createProjects(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('projects')
    .addColumn('id', 'integer', serial(dialect))
    .addColumn('name', key, (c) => c.notNull().unique())
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quota_bytes', int64)
    .addColumn('pull_rate_per_minute', 'integer')
    .addColumn('created_at', int64, (c) => c.notNull())
    .execute();
}

async function createUsers(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', serial(dialect))
    .addColumn('username', key, (c) => c.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('password_salt', 'text', (c) => c.notNull())
    .addColumn('created_at', int64, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('members')
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('members_pk', ['project_id', 'user_id'])
    .$call(clustered(dialect))
    .execute();
  await db.schema.createIndex('members_user_idx').on('members').column('user_id').execute();
}

async function createRobots(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('robots')
    .addColumn('id', 'integer', serial(dialect))
    .addColumn('name', key, (c) => c.notNull().unique())
    .addColumn('project_id', 'integer', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('description', 'text')
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('secret_salt', 'text', (c) => c.notNull())
    .addColumn('expires_at', int64)
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('robots_project_idx').on('robots').column('project_id').execute();
}

async function createSigningKeys(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', key, (c) => c.primaryKey())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', int64, (c) => c.notNull())
    .addColumn('retired_at', int64)
    .execute();
}

/** Projects, users and their memberships, robot accounts, token signing keys. */
export function accessMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createProjects(db, dialect);
      await createUsers(db, dialect);
      await createRobots(db, dialect);
      await createSigningKeys(db, dialect);
    },
  };
}
