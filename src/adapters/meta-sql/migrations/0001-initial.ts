import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';
import { clustered, columnTypes } from './column-types.js';

async function createRepositories(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('repositories')
    .addColumn('id', 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('name', key, (c) => c.notNull().unique())
    .addColumn('created_at', int64, (c) => c.notNull())
    .execute();
}

async function createBlobs(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('blobs')
    .addColumn('digest', key, (c) => c.primaryKey())
    .addColumn('size', int64, (c) => c.notNull())
    .addColumn('created_at', int64, (c) => c.notNull())
    .$call(clustered(dialect))
    .execute();
  await db.schema
    .createTable('repo_blobs')
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
    .addColumn('digest', key, (c) => c.notNull().references('blobs.digest'))
    .addColumn('created_at', int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('repo_blobs_pk', ['repo_id', 'digest'])
    .$call(clustered(dialect))
    .execute();
  await db.schema.createIndex('repo_blobs_digest_idx').on('repo_blobs').column('digest').execute();
}

async function createManifests(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64, bytes } = columnTypes(dialect);
  await db.schema
    .createTable('manifests')
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
    .addColumn('digest', key, (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('artifact_type', 'text')
    .addColumn('subject', key)
    .addColumn('size', int64, (c) => c.notNull())
    .addColumn('body', bytes, (c) => c.notNull())
    .addColumn('annotations', 'text')
    .addColumn('created_at', int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('manifests_pk', ['repo_id', 'digest'])
    .execute();
  await db.schema
    .createIndex('manifests_subject_idx')
    .on('manifests')
    .columns(['repo_id', 'subject'])
    .execute();
  await db.schema
    .createTable('manifest_refs')
    .addColumn('repo_id', 'integer', (c) => c.notNull())
    .addColumn('manifest_digest', key, (c) => c.notNull())
    .addColumn('child_digest', key, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('manifest_refs_pk', ['repo_id', 'manifest_digest', 'child_digest', 'kind'])
    .addForeignKeyConstraint(
      'manifest_refs_manifest_fk',
      ['repo_id', 'manifest_digest'],
      'manifests',
      ['repo_id', 'digest'],
      (c) => c.onDelete('cascade'),
    )
    .$call(clustered(dialect))
    .execute();
  await db.schema
    .createIndex('manifest_refs_child_idx')
    .on('manifest_refs')
    .columns(['repo_id', 'child_digest'])
    .execute();
}

async function createTags(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('tags')
    .addColumn('repo_id', 'integer', (c) => c.notNull())
    .addColumn('name', key, (c) => c.notNull())
    .addColumn('manifest_digest', key, (c) => c.notNull())
    .addColumn('updated_at', int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['repo_id', 'name'])
    .addForeignKeyConstraint(
      'tags_manifest_fk',
      ['repo_id', 'manifest_digest'],
      'manifests',
      ['repo_id', 'digest'],
      (c) => c.onDelete('cascade'),
    )
    .$call(clustered(dialect))
    .execute();
  await db.schema
    .createIndex('tags_manifest_idx')
    .on('tags')
    .columns(['repo_id', 'manifest_digest'])
    .execute();
}

async function createUploads(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const { key, int64 } = columnTypes(dialect);
  await db.schema
    .createTable('uploads')
    .addColumn('id', key, (c) => c.primaryKey())
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
    .addColumn('offset', int64, (c) => c.notNull())
    .addColumn('started_at', int64, (c) => c.notNull())
    .addColumn('updated_at', int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('uploads_updated_idx').on('uploads').column('updated_at').execute();
}

/** Repositories, blobs and links, manifests and their edges, tags, upload sessions. */
export function initialMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createRepositories(db, dialect);
      await createBlobs(db, dialect);
      await createManifests(db, dialect);
      await createTags(db, dialect);
      await createUploads(db, dialect);
    },
  };
}
