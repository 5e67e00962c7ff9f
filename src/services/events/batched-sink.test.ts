import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetaStore } from '../../adapters/meta-sql/index.js';
import type { MetaStore } from '../../ports/meta-store.js';
import { requestContext } from '../context.js';
import { BatchedEventSink } from './batched-sink.js';

describe('BatchedEventSink on a real SQLite store', () => {
  let meta: MetaStore;
  let failures: { err: unknown; count: number }[];
  const pull = (i: number) => ({ type: 'PULL_ARTIFACT' as const, repository: 'team/api', tag: `t${i}` });
  const stored = async () => (await meta.events.log.query({ limit: 1000 })).length;
  const sink = (o: { maxBatch?: number; delayMs?: number; maxQueued?: number } = {}) =>
    new BatchedEventSink({
      log: meta.events.log,
      triggers: [
        {
          jobsFor: async (e) => (e.tag === 't0' ? [{ kind: 'hook', payload: e.id, uniqueKey: e.id }] : []),
        },
      ],
      onError: (err, count) => failures.push({ err, count }),
      ...o,
    });

  beforeEach(async () => {
    meta = await openMetaStore('sqlite::memory:');
    failures = [];
  });
  afterEach(async () => meta.close());

  it('writes nothing per event; a batch lands after the delay, with its jobs', async () => {
    const s = sink({ delayMs: 30 });
    const ev = await requestContext.run({ principal: { kind: 'anonymous' }, clientIp: '10.9.9.9' }, () =>
      s.emit(pull(0)),
    );
    for (let i = 1; i < 10; i++) await s.emit(pull(i));
    expect(await stored()).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(await stored()).toBe(10);
    // The actor and client IP were taken when the event happened, not when it was written.
    expect(await meta.events.log.get(ev.id)).toMatchObject({ clientIp: '10.9.9.9', tag: 't0' });
    const job = await meta.events.jobs.claim(['hook'], 'w', 1000);
    expect(job?.payload).toBe(ev.id);
  });

  it('flushes at once when a batch is full, and flush() writes what is queued', async () => {
    const s = sink({ maxBatch: 5, delayMs: 60_000 });
    for (let i = 0; i < 7; i++) await s.emit(pull(i));
    await s.flush();
    expect(await stored()).toBe(7);
  });

  it('writes events that differ only in time once per batch, with a count', async () => {
    const s = sink({ delayMs: 60_000 });
    const alice = {
      principal: { kind: 'user' as const, id: 1, name: 'alice', admin: false },
      clientIp: '10.0.0.1',
    };
    const bob = { ...alice, clientIp: '10.0.0.2' };
    for (let i = 0; i < 50; i++) await requestContext.run(alice, () => s.emit(pull(1)));
    await requestContext.run(bob, () => s.emit(pull(1)));
    await requestContext.run(alice, () => s.emit(pull(2)));
    await s.flush();
    await requestContext.run(alice, () => s.emit(pull(1)));
    await s.flush();
    const rows = (await meta.events.log.query({ limit: 100 })).reverse();
    expect(rows.map((e) => [e.clientIp, e.tag, e.detail?.count])).toEqual([
      ['10.0.0.1', 't1', 50],
      ['10.0.0.2', 't1', undefined],
      ['10.0.0.1', 't2', undefined],
      ['10.0.0.1', 't1', undefined],
    ]);
    expect(typeof rows[0]?.detail?.lastAt).toBe('string');
  });

  it('reports a failed batch and a full queue instead of throwing', async () => {
    const s = sink({ maxQueued: 3, delayMs: 60_000 });
    for (let i = 0; i < 5; i++) await s.emit(pull(i));
    expect(failures.map((f) => f.count)).toEqual([1, 1]);
    await meta.close();
    await s.flush();
    expect(failures.at(-1)?.count).toBe(3);
    meta = await openMetaStore('sqlite::memory:');
  });
});
