import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { initialMigration } from './migrations/0001-initial.js';
import { accessMigration } from './migrations/0002-access.js';
import { eventsMigration } from './migrations/0003-events.js';
import { supplyChainMigration } from './migrations/0004-supply-chain.js';
import { tagsMigration } from './migrations/0005-tags.js';
import { gcMigration } from './migrations/0006-gc.js';
import { replicationMigration } from './migrations/0007-replication.js';
import { proxyMigration } from './migrations/0008-proxy.js';
import { retentionMigration } from './migrations/0009-retention.js';
import { promotionMigration } from './migrations/0010-promotion.js';
import type { Database, SqlDialect } from './schema.js';

/** Every migration, in code (no directory scan, so this works the same from src/ and dist/). */
function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-access': accessMigration(dialect),
    '0003-events': eventsMigration(dialect),
    '0004-supply-chain': supplyChainMigration(dialect),
    '0006-gc': gcMigration(dialect),
    '0007-replication': replicationMigration(dialect),
    '0008-proxy': proxyMigration(dialect),
    '0005-tags': tagsMigration(dialect),
    '0010-promotion': promotionMigration(dialect),
    '0009-retention': retentionMigration(dialect),
  };
}

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: SqlDialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

/**
 * Brings the schema to the latest version. Idempotent, and safe when several processes start at
 * once (Kysely's migrator holds a lock: an advisory lock on PostgreSQL, the single writer on SQLite).
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: SqlDialect,
  log: (msg: string) => void = () => {},
): Promise<void> {
  // Migrations are independent of each other (each adds its own tables or columns), so one written
  // in parallel with a later-numbered one may be applied after it.
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(dialect),
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Success') log(`metadata migration ${r.migrationName} applied`);
    if (r.status === 'Error') log(`metadata migration ${r.migrationName} failed`);
  }
  if (error !== undefined) {
    throw new Error('metadata migration failed', { cause: error });
  }
}
