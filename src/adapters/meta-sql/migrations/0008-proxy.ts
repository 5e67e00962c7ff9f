import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';

/**
 * Proxy cache projects (services/proxy): four nullable columns on `projects`; a null upstream is an
 * ordinary project. The password column holds a sealed value (services/secrets), never clear text.
 * One column per statement (SQLite's ALTER TABLE adds one at a time); the same on both dialects.
 */
export function proxyMigration(_dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const column of ['proxy_upstream', 'proxy_repository_prefix', 'proxy_username', 'proxy_password'])
        await db.schema.alterTable('projects').addColumn(column, 'text').execute();
    },
  };
}
