import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetaStore } from '../../src/adapters/meta-sql/index.js';
import type { MetaStore } from '../../src/ports/meta-store.js';
import { JobQueue } from '../../src/services/events/jobs.js';
import { createTestDatabase, type TestDatabase, warnPostgresSkipped } from '../helpers/postgres.js';

const db = await createTestDatabase();

describe.skipIf(!db)('jobs on PostgreSQL: two replicas', () => {
  const stores: MetaStore[] = [];
  beforeAll(async () => {
    const target = db as TestDatabase;
    // Two pools: two replicas as far as PostgreSQL can tell.
    stores.push(await openMetaStore(target.url), await openMetaStore(target.url));
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await db?.drop();
  });

  it('never run one job twice, and run them all', async () => {
    const [a, b] = stores as [MetaStore, MetaStore];
    const runs = new Map<number, string[]>();
    const queues = [a, b].map((meta, i) => {
      const q = new JobQueue({ store: meta.events.jobs, pollMs: 10, concurrency: 8, owner: `replica-${i}` });
      q.register('work', async (payload) => {
        const n = payload as number;
        runs.set(n, [...(runs.get(n) ?? []), q.owner]);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
      });
      return q;
    });
    for (let n = 0; n < 200; n++) await a.events.jobs.enqueue({ kind: 'work', payload: n });
    for (const q of queues) q.start();
    const end = Date.now() + 20_000;
    while (runs.size < 200 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(queues.map((q) => q.stop()));
    expect(runs.size).toBe(200);
    expect([...runs.values()].filter((owners) => owners.length !== 1)).toEqual([]);
    const owners = new Set([...runs.values()].flat());
    expect(owners.size).toBe(2); // both replicas took part
  });
});

if (!db) warnPostgresSkipped('jobs PostgreSQL suite');
