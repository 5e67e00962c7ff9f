import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { describe, it } from 'vitest';
import { createTestDatabase, warnPostgresSkipped } from '../../../../test/helpers/postgres.js';
import { eventStoreSuite } from '../../../../test/suites/event-store-suite.js';
import { migrateToLatest } from '../migrate.js';
import type { Database, SqlDialect } from '../schema.js';
import { SqlEventStore } from './index.js';

type Open = () => Kysely<Database>;

/** A store over `open()`; reopen gives a second store over another connection (pool) to the same database. */
async function harness(open: Open, dialect: SqlDialect, remove: () => Promise<void>) {
  const dbs = [open()];
  await migrateToLatest(dbs[0] as Kysely<Database>, dialect);
  return {
    store: new SqlEventStore(dbs[0] as Kysely<Database>, dialect),
    async reopen() {
      const db = open();
      dbs.push(db);
      return new SqlEventStore(db, dialect);
    },
    async cleanup() {
      for (const db of dbs) await db.destroy();
      await remove();
    },
  };
}

eventStoreSuite('sqlite', async () => {
  const { openSqlite } = await import('../sqlite.js');
  const dir = await mkdtemp(join(tmpdir(), 'wharf-events-'));
  const path = join(dir, 'w.db');
  return harness(
    () => openSqlite(path, () => {}),
    'sqlite',
    () => rm(dir, { recursive: true, force: true }),
  );
});

const probe = await createTestDatabase();
await probe?.drop();
if (probe) {
  eventStoreSuite('postgres', async () => {
    const { openPostgres } = await import('../postgres.js');
    const target = await createTestDatabase();
    if (!target) throw new Error('PostgreSQL went away');
    return harness(() => openPostgres(target.url, () => {}), 'postgres', target.drop);
  });
} else {
  describe('EventStore contract: postgres', () => {
    it.skip('PostgreSQL not reachable', () => warnPostgresSkipped('EventStore suite'));
  });
}
