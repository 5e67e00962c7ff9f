import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetaStore } from '../../src/adapters/meta-sql/index.js';
import type { MetaStore } from '../../src/ports/meta-store.js';
import { JobQueue } from '../../src/services/events/jobs.js';
import { GcSchedule } from '../../src/services/lifecycle/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const db = await createTestDatabase();

describe.skipIf(!db)('the daily garbage collection on PostgreSQL: replicas', () => {
  const stores: MetaStore[] = [];
  beforeAll(async () => {
    const target = db as TestDatabase;
    // Three pools: three replicas as far as PostgreSQL can tell.
    for (let i = 0; i < 3; i++) stores.push(await openMetaStore(target.url));
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await db?.drop();
  });

  it('enqueue the same scheduled run once, however many replicas tick at once', async () => {
    const now = new Date('2026-05-01T10:00:00Z');
    const results = await Promise.all(
      stores.flatMap((meta) => {
        const schedule = new GcSchedule({
          jobs: new JobQueue({ store: meta.events.jobs }),
          schedule: '03:00',
        });
        return [schedule.tick(now), schedule.tick(now)];
      }),
    );
    expect(results.filter((r) => r?.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r?.id)).size).toBe(1);
    const job = await stores[0]?.events.jobs.get(results[0]?.id ?? 0);
    expect(job).toMatchObject({
      kind: 'gc.run',
      uniqueKey: 'gc.run:2026-05-02T03:00',
      runAfter: new Date('2026-05-02T03:00:00Z'),
      status: 'queued',
    });
  });
});
