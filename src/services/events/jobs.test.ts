import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetaStore } from '../../adapters/meta-sql/index.js';
import type { JobStore } from '../../ports/event-store.js';
import type { MetaStore } from '../../ports/meta-store.js';
import { backoffMs, JobQueue, PermanentJobError } from './jobs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('backoffMs', () => {
  it('doubles from the base with ±20 % jitter, capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 60_000, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(3, 1000, 60_000, () => 0)).toBe(3200);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(4800);
    expect(backoffMs(40, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('JobQueue on SQLite', () => {
  let dir: string;
  let meta: MetaStore;
  let store: JobStore;
  const queues: JobQueue[] = [];
  const queue = (o: Partial<ConstructorParameters<typeof JobQueue>[0]> = {}) => {
    const q = new JobQueue({ store, pollMs: 20, backoffBaseMs: 50, ...o });
    queues.push(q);
    return q;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-jobs-'));
    meta = await openMetaStore(`sqlite:${join(dir, 'w.db')}`);
    store = meta.events.jobs;
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.stop();
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a job and stores its result', async () => {
    const q = queue();
    q.register('echo', async (payload) => ({ got: payload }));
    q.start();
    const { id } = await q.enqueue('echo', { n: 1 });
    const job = await until(async () => {
      const j = await store.get(id);
      return j?.status === 'done' && j;
    });
    expect(job).toMatchObject({ attempts: 1, result: { got: { n: 1 } }, lastError: null });
  });

  it('retries failures with growing delays, then succeeds', async () => {
    const q = queue();
    const runs: number[] = [];
    q.register('flaky', async () => {
      runs.push(Date.now());
      if (runs.length < 3) throw new Error(`fail ${runs.length}`);
      return 'ok';
    });
    q.start();
    const { id } = await q.enqueue('flaky', null);
    await until(async () => (await store.get(id))?.status === 'done');
    expect(runs).toHaveLength(3);
    const [a = 0, b = 0, c = 0] = runs;
    expect(b - a).toBeGreaterThanOrEqual(40); // 50 ms ± 20 %
    expect(c - b).toBeGreaterThanOrEqual(80); // 100 ms ± 20 %
    expect(await store.get(id)).toMatchObject({ attempts: 3, status: 'done', result: 'ok' });
  });

  it('gives up after maxAttempts, and at once on a permanent error', async () => {
    const q = queue();
    q.register('broken', async () => {
      throw new Error('always');
    });
    q.register('hopeless', async () => {
      throw new PermanentJobError('no point');
    });
    q.start();
    const broken = await q.enqueue('broken', null, { maxAttempts: 3 });
    const hopeless = await q.enqueue('hopeless', null);
    await until(async () => (await store.get(broken.id))?.status === 'dead');
    await until(async () => (await store.get(hopeless.id))?.status === 'dead');
    expect(await store.get(broken.id)).toMatchObject({ attempts: 3, lastError: 'always' });
    expect(await store.get(hopeless.id)).toMatchObject({ attempts: 1, lastError: 'no point' });
  });

  it('recovers a job whose worker crashed once its lease runs out', async () => {
    const { id } = await store.enqueue({ kind: 'work', payload: 'x' });
    expect(await store.claim(['work'], 'crashed-worker', 150)).toBeDefined();
    const q = queue();
    const ran: string[] = [];
    q.register('work', async (p) => {
      ran.push(String(p));
    });
    q.start();
    await sleep(80);
    expect(ran).toEqual([]); // still leased to the crashed worker
    await until(async () => (await store.get(id))?.status === 'done');
    expect(ran).toEqual(['x']);
    expect(await store.get(id)).toMatchObject({ attempts: 2, leaseOwner: q.owner });
  });

  it('keeps the lease of a long job alive', async () => {
    const q = queue({ leaseMs: 60 });
    let runs = 0;
    q.register('long', async () => {
      runs++;
      await sleep(300);
    });
    const other = queue({ leaseMs: 60 });
    other.register('long', async () => {
      runs++;
    });
    q.start();
    const { id } = await q.enqueue('long', null);
    await until(async () => (await store.get(id))?.status === 'running');
    other.start();
    await until(async () => (await store.get(id))?.status === 'done');
    expect(runs).toBe(1);
  });

  it('runs a job with a unique key once however often it is enqueued', async () => {
    const q = queue();
    let runs = 0;
    q.register('gc', async () => {
      runs++;
    });
    const first = await q.enqueue('gc', null, { uniqueKey: 'gc:2024-01-01' });
    const again = await q.enqueue('gc', null, { uniqueKey: 'gc:2024-01-01' });
    expect(again).toEqual({ id: first.id, created: false });
    q.start();
    await until(async () => (await store.get(first.id))?.status === 'done');
    await q.enqueue('gc', null, { uniqueKey: 'gc:2024-01-01' });
    await sleep(60);
    expect(runs).toBe(1);
  });

  it('wakes at once on a local enqueue, and holds future jobs until due', async () => {
    const q = queue({ pollMs: 60_000 });
    const done: string[] = [];
    q.register('k', async (p) => {
      done.push(String(p));
    });
    q.start();
    await sleep(20); // the first (empty) poll is over: now idle for a minute
    const started = Date.now();
    await q.enqueue('k', 'now');
    await until(async () => done.includes('now'), 2000);
    expect(Date.now() - started).toBeLessThan(1000);
    await q.enqueue('k', 'later', { runAfter: new Date(Date.now() + 60_000) });
    await sleep(50);
    expect(done).toEqual(['now']);
  });

  it('stop() waits for running handlers', async () => {
    const q = queue();
    let finished = false;
    q.register('slow', async () => {
      await sleep(150);
      finished = true;
    });
    q.start();
    const { id } = await q.enqueue('slow', null);
    await until(async () => (await store.get(id))?.status === 'running');
    await q.stop();
    expect(finished).toBe(true);
    expect((await store.get(id))?.status).toBe('done');
  });
});
