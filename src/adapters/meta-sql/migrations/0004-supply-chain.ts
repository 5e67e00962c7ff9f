import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';

/**
 * A project's supply-chain rules (signed-only pulls, provenance at push): three columns on
 * `projects`, defaulting to "nothing enforced". One column per statement (SQLite's ALTER TABLE adds
 * one at a time); the same schema on both dialects.
 */
export function supplyChainMigration(_dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('projects')
        .addColumn('require_signed', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // JSON array of PEM public keys.
      await db.schema
        .alterTable('projects')
        .addColumn('trusted_keys', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema.alterTable('projects').addColumn('provenance_tag_pattern', 'text').execute();
    },
  };
}
