import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';
import { clustered, columnTypes } from './column-types.js';

function identity(dialect: SqlDialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

/**
 * Promotion (services/promotion): a project's gates (one JSON row, gone with the project), approvals
 * of digests for a target project, the promotion log (one row per promoted repository and tag: the
 * lock on that tag), and registry-wide revocations of digests. New tables only.
 */
export function promotionMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const { key, int64 } = columnTypes(dialect);
      await db.schema
        .createTable('promotion_gates')
        .addColumn('project_id', 'integer', (c) =>
          c.primaryKey().references('projects.id').onDelete('cascade'),
        )
        .addColumn('gates', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', int64, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('promotion_approvals')
        .addColumn('digest', key, (c) => c.notNull())
        .addColumn('target', key, (c) => c.notNull())
        .addColumn('name', key, (c) => c.notNull())
        .addColumn('actor', key, (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('comment', 'text')
        .addColumn('approved_at', int64, (c) => c.notNull())
        .addPrimaryKeyConstraint('promotion_approvals_pk', ['digest', 'target', 'name', 'actor'])
        .$call(clustered(dialect))
        .execute();
      await db.schema
        .createTable('promotions')
        .addColumn('id', int64, identity(dialect))
        .addColumn('repository', key, (c) => c.notNull())
        .addColumn('tag', key, (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('promoted_at', int64, (c) => c.notNull())
        .addColumn('gates', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('promotions_tag_idx')
        .on('promotions')
        .columns(['repository', 'tag'])
        .unique()
        .execute();
      await db.schema
        .createTable('revocations')
        .addColumn('digest', key, (c) => c.primaryKey())
        .addColumn('parent_digest', key)
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('revoked_at', int64, (c) => c.notNull())
        .$call(clustered(dialect))
        .execute();
    },
  };
}
