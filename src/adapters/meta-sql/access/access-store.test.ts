import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { createTestDatabase, warnPostgresSkipped } from '../../../../test/helpers/postgres.js';
import { accessStoreSuite } from '../../../../test/suites/access-store-suite.js';
import { openMetaStore } from '../index.js';

accessStoreSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-access-'));
  const meta = await openMetaStore(join(dir, 'wharf.db'));
  return {
    store: meta.access,
    async cleanup() {
      await meta.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const probe = await createTestDatabase();
if (!probe) warnPostgresSkipped('the PostgreSQL AccessStore suite');
afterAll(async () => {
  await probe?.drop();
});

describe.skipIf(!probe)('postgres', () => {
  accessStoreSuite('postgres', async () => {
    const db = await createTestDatabase();
    if (!db) throw new Error('PostgreSQL went away');
    const meta = await openMetaStore(db.url);
    return {
      store: meta.access,
      async cleanup() {
        await meta.close();
        await db.drop();
      },
    };
  });
});
