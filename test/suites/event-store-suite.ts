import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/ports/event-store.js';
import { uuidv7 } from '../../src/services/events/ids.js';
import type { EventInput, WharfEvent } from '../../src/services/events/types.js';

export interface OpenedEventStore {
  store: EventStore;
  /** Another store over the same database (a second replica); closed by cleanup. */
  reopen: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2024, 0, 1);

function event(at: number, e: Partial<Omit<EventInput, 'actor'>> & { actor?: string } = {}): WharfEvent {
  const repository = e.repository ?? 'team-a/api';
  return {
    id: uuidv7(at),
    type: e.type ?? 'PUSH_ARTIFACT',
    occurredAt: new Date(at),
    actor: { name: e.actor ?? 'alice', kind: 'user' },
    clientIp: '10.0.0.1',
    project: repository.split('/')[0] ?? null,
    repository,
    digest: e.digest ?? null,
    tag: e.tag ?? null,
    mediaType: null,
    outcome: e.outcome ?? 'success',
    detail: e.detail ?? null,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The EventStore contract: the same tests against every dialect; each test gets a fresh database. */
export function eventStoreSuite(name: string, open: () => Promise<OpenedEventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let h: OpenedEventStore;
    let s: EventStore;
    beforeEach(async () => {
      h = await open();
      s = h.store;
    });
    afterEach(() => h.cleanup());

    describe('event log', () => {
      it('round-trips an event, nulls and detail included', async () => {
        const e = event(T0, { tag: 'v1', detail: { code: 'DENIED', n: 3 }, outcome: 'failure' });
        await s.log.append(e);
        expect(await s.log.get(e.id)).toEqual(e);
        expect(await s.log.get(uuidv7())).toBeUndefined();
      });

      it('filters by project, actor, type and time, newest first', async () => {
        const a = event(T0 + 1, { repository: 'team-a/api', actor: 'alice' });
        const b = event(T0 + 2, { repository: 'team-b/web', actor: 'bob', type: 'PULL_ARTIFACT' });
        const c = event(T0 + 3, { repository: 'team-a/web', actor: 'bob', type: 'DELETE_ARTIFACT' });
        for (const e of [a, b, c]) await s.log.append(e);
        const ids = async (q: Parameters<EventStore['log']['query']>[0]) =>
          (await s.log.query(q)).map((e) => e.id);
        expect(await ids({ limit: 10 })).toEqual([c.id, b.id, a.id]);
        expect(await ids({ project: 'team-a', limit: 10 })).toEqual([c.id, a.id]);
        expect(await ids({ actor: 'bob', limit: 10 })).toEqual([c.id, b.id]);
        expect(await ids({ types: ['PUSH_ARTIFACT', 'PULL_ARTIFACT'], limit: 10 })).toEqual([b.id, a.id]);
        expect(await ids({ repository: 'team-a/web', limit: 10 })).toEqual([c.id]);
        expect(await ids({ from: new Date(T0 + 2), to: new Date(T0 + 3), limit: 10 })).toEqual([b.id]);
        expect(await ids({ project: 'team-a', actor: 'bob', limit: 10 })).toEqual([c.id]);
      });

      it('pages with the id cursor, ties on time broken by id', async () => {
        const all: WharfEvent[] = [];
        for (let i = 0; i < 7; i++) all.push(event(T0 + Math.floor(i / 3)));
        for (const e of all) await s.log.append(e);
        const expected = [...all]
          .sort((x, y) => x.occurredAt.getTime() - y.occurredAt.getTime() || (x.id < y.id ? -1 : 1))
          .reverse()
          .map((e) => e.id);
        const seen: string[] = [];
        for (let before: string | undefined; ; ) {
          const page = await s.log.query({ limit: 3, ...(before ? { before } : {}) });
          seen.push(...page.map((e) => e.id));
          if (page.length < 3) break;
          before = page.at(-1)?.id;
        }
        expect(seen).toEqual(expected);
        expect(await s.log.query({ limit: 3, before: uuidv7() })).toEqual([]);
      });

      it('purges events older than the retention horizon', async () => {
        for (const at of [T0, T0 + 10, T0 + 20]) await s.log.append(event(at));
        expect(await s.log.purgeEventsBefore(new Date(T0 + 15))).toBe(2);
        expect((await s.log.query({ limit: 10 })).map((e) => e.occurredAt.getTime())).toEqual([T0 + 20]);
      });

      it('writes an event and the jobs it triggers together', async () => {
        const e = event(T0);
        await s.log.append(e, [{ kind: 'k', payload: { eventId: e.id }, uniqueKey: `k:${e.id}` }]);
        const job = await s.jobs.claim(['k'], 'w1', 1000);
        expect(job?.payload).toEqual({ eventId: e.id });
        // A failing job insert (duplicate event id) leaves neither behind.
        await expect(s.log.append(e, [{ kind: 'k', payload: 2, uniqueKey: 'other' }])).rejects.toThrow();
        expect((await s.jobs.enqueue({ kind: 'k', payload: 3, uniqueKey: 'other' })).created).toBe(true);
      });

      it('writes a batch of events and their jobs in one transaction, all or none', async () => {
        const batch = Array.from({ length: 1200 }, (_, i) => event(T0 + i));
        const jobs = (e: WharfEvent) => [{ kind: 'b', payload: e.id, uniqueKey: `b:${e.id}` }];
        await s.log.appendBatch(batch.map((e, i) => ({ event: e, jobs: i % 400 === 0 ? jobs(e) : [] })));
        const page = await s.log.query({ limit: 2000 });
        expect(page.map((e) => e.id)).toEqual(batch.map((e) => e.id).reverse());
        for (const i of [0, 400, 800]) {
          const e = batch[i] as WharfEvent;
          expect((await s.jobs.enqueue({ kind: 'b', payload: 0, uniqueKey: `b:${e.id}` })).created).toBe(
            false,
          );
        }
        // A duplicate id anywhere in a batch leaves none of it behind.
        const fresh = event(T0 + 5000);
        await expect(
          s.log.appendBatch([
            { event: fresh, jobs: [] },
            { event: batch[7] as WharfEvent, jobs: [] },
          ]),
        ).rejects.toThrow();
        expect(await s.log.get(fresh.id)).toBeUndefined();
        await s.log.appendBatch([]);
      });
    });

    describe('webhooks', () => {
      const hook = { project: 'team-a', url: 'http://127.0.0.1:1/h', secret: 's3cret' } as const;

      it('creates, lists per project, updates and deletes', async () => {
        const w = await s.webhooks.create({
          ...hook,
          eventTypes: ['PUSH_ARTIFACT'],
          format: 'harbor',
          enabled: true,
        });
        await s.webhooks.create({
          ...hook,
          project: 'team-b',
          eventTypes: [],
          format: 'cloudevents',
          enabled: false,
        });
        expect(w).toMatchObject({ ...hook, eventTypes: ['PUSH_ARTIFACT'], format: 'harbor', enabled: true });
        expect(await s.webhooks.get(w.id)).toEqual(w);
        expect((await s.webhooks.list('team-a')).map((x) => x.id)).toEqual([w.id]);
        const u = await s.webhooks.update(w.id, { enabled: false, eventTypes: [], format: 'cloudevents' });
        expect(u).toMatchObject({ enabled: false, eventTypes: [], format: 'cloudevents', url: hook.url });
        expect(await s.webhooks.update(9999, { enabled: true })).toBeUndefined();
        expect(await s.webhooks.delete(w.id)).toBe(true);
        expect(await s.webhooks.delete(w.id)).toBe(false);
        expect(await s.webhooks.get(w.id)).toBeUndefined();
      });

      it('keeps delivery history, newest first, paged, gone with the webhook', async () => {
        const w = await s.webhooks.create({ ...hook, eventTypes: [], format: 'harbor', enabled: true });
        const ids: number[] = [];
        for (let attempt = 1; attempt <= 3; attempt++) {
          const id = await s.webhooks.startDelivery({ webhookId: w.id, eventId: 'e1', attempt });
          await s.webhooks.finishDelivery(id, {
            status: attempt < 3 ? 'failed' : 'success',
            responseStatus: attempt < 3 ? 500 : 200,
            error: attempt < 3 ? 'HTTP 500' : null,
            durationMs: 12.4,
          });
          ids.push(id);
        }
        const page1 = await s.webhooks.deliveries(w.id, { limit: 2 });
        expect(page1.map((d) => [d.attempt, d.status, d.responseStatus])).toEqual([
          [3, 'success', 200],
          [2, 'failed', 500],
        ]);
        expect(page1[1]).toMatchObject({ error: 'HTTP 500', durationMs: 12, eventId: 'e1', webhookId: w.id });
        const page2 = await s.webhooks.deliveries(w.id, { limit: 2, before: page1[1]?.id ?? 0 });
        expect(page2.map((d) => d.id)).toEqual([ids[0]]);
        await s.webhooks.delete(w.id);
        expect(await s.webhooks.deliveries(w.id, { limit: 10 })).toEqual([]);
      });
    });

    describe('jobs', () => {
      it('claims the oldest due job of a registered kind, once', async () => {
        const a = await s.jobs.enqueue({ kind: 'a', payload: { n: 1 } });
        await s.jobs.enqueue({ kind: 'a', payload: { n: 2 }, runAfter: new Date(Date.now() + 60_000) });
        await s.jobs.enqueue({ kind: 'b', payload: { n: 3 } });
        const job = await s.jobs.claim(['a'], 'w1', 10_000);
        expect(job).toMatchObject({ id: a.id, kind: 'a', payload: { n: 1 }, status: 'running', attempts: 1 });
        expect(job?.leaseOwner).toBe('w1');
        expect(await s.jobs.claim(['a'], 'w2', 10_000)).toBeUndefined();
        expect(await s.jobs.claim([], 'w2', 10_000)).toBeUndefined();
        expect(await s.jobs.complete(a.id, 'w1', { ok: true })).toBe(true);
        expect(await s.jobs.get(a.id)).toMatchObject({
          status: 'done',
          result: { ok: true },
          leaseUntil: null,
        });
      });

      it('dedupes by unique key', async () => {
        const first = await s.jobs.enqueue({ kind: 'gc', payload: 1, uniqueKey: 'gc:2024-01-01' });
        const again = await s.jobs.enqueue({ kind: 'gc', payload: 2, uniqueKey: 'gc:2024-01-01' });
        expect(first.created).toBe(true);
        expect(again).toEqual({ id: first.id, created: false });
        expect((await s.jobs.get(first.id))?.payload).toBe(1);
        expect((await s.jobs.enqueue({ kind: 'gc', payload: 3 })).created).toBe(true);
        expect((await s.jobs.enqueue({ kind: 'gc', payload: 4 })).created).toBe(true);
      });

      it('re-queues a job whose lease expired, and the old owner can no longer finish it', async () => {
        const { id } = await s.jobs.enqueue({ kind: 'a', payload: null });
        await s.jobs.claim(['a'], 'crashed', 30);
        expect(await s.jobs.claim(['a'], 'w2', 10_000)).toBeUndefined();
        await sleep(50);
        const again = await s.jobs.claim(['a'], 'w2', 10_000);
        expect(again).toMatchObject({ id, attempts: 2, leaseOwner: 'w2' });
        expect(await s.jobs.complete(id, 'crashed', 'late')).toBe(false);
        expect(await s.jobs.fail(id, 'crashed', 'late', null)).toBe(false);
        expect(await s.jobs.extendLease(id, 'crashed', 1000)).toBe(false);
        expect(await s.jobs.extendLease(id, 'w2', 1000)).toBe(true);
        expect(await s.jobs.complete(id, 'w2', 'ok')).toBe(true);
      });

      it('retries a failed job at its retry time and buries it when told', async () => {
        const { id } = await s.jobs.enqueue({ kind: 'a', payload: null, maxAttempts: 2 });
        await s.jobs.claim(['a'], 'w', 10_000);
        expect(await s.jobs.fail(id, 'w', 'boom', new Date(Date.now() + 40))).toBe(true);
        expect(await s.jobs.get(id)).toMatchObject({ status: 'failed', lastError: 'boom', attempts: 1 });
        expect(await s.jobs.claim(['a'], 'w', 10_000)).toBeUndefined();
        await sleep(60);
        expect(await s.jobs.claim(['a'], 'w', 10_000)).toMatchObject({ id, attempts: 2 });
        expect(await s.jobs.fail(id, 'w', 'boom again', null)).toBe(true);
        expect(await s.jobs.get(id)).toMatchObject({ status: 'dead', lastError: 'boom again' });
        expect(await s.jobs.claim(['a'], 'w', 10_000)).toBeUndefined();
      });

      it('purges finished jobs, freeing their unique keys', async () => {
        const { id } = await s.jobs.enqueue({ kind: 'a', payload: null, uniqueKey: 'once' });
        await s.jobs.enqueue({ kind: 'a', payload: null, runAfter: new Date(Date.now() + 60_000) });
        await s.jobs.claim(['a'], 'w', 10_000);
        await s.jobs.complete(id, 'w', null);
        expect(await s.jobs.purgeFinishedBefore(new Date(Date.now() + 1000))).toBe(1);
        expect((await s.jobs.enqueue({ kind: 'a', payload: null, uniqueKey: 'once' })).created).toBe(true);
      });

      it('never hands one job to two concurrent claimers', async () => {
        const other = await h.reopen();
        for (let i = 0; i < 40; i++) await s.jobs.enqueue({ kind: 'c', payload: i });
        const claimed: number[] = [];
        const drain = async (store: EventStore, owner: string) => {
          for (;;) {
            const job = await store.jobs.claim(['c'], owner, 60_000);
            if (!job) return;
            claimed.push(job.id);
          }
        };
        await Promise.all([drain(s, 'a1'), drain(s, 'a2'), drain(other, 'b1'), drain(other, 'b2')]);
        expect(claimed).toHaveLength(40);
        expect(new Set(claimed).size).toBe(40);
      });
    });
  });
}
