import { describe, expect, it } from 'vitest';
import type { Digest } from '../../oci/digest.js';
import type { PullTime } from '../../ports/lifecycle-store.js';
import { PullTimes } from './pull-times.js';

const A = 'sha256:aaaa' as Digest;
const B = 'sha256:bbbb' as Digest;

function recorder() {
  const batches: PullTime[][] = [];
  return { batches, store: { recordPulls: async (p: readonly PullTime[]) => void batches.push([...p]) } };
}

describe('PullTimes', () => {
  it('coalesces pulls per (repository, digest, tag) to the latest time and writes one batch', async () => {
    const r = recorder();
    const times = new PullTimes({ store: r.store, delayMs: 60_000 });
    times.record('team/app', A, 'v1', 10);
    times.record('team/app', A, 'v1', 30);
    times.record('team/app', A, 'v1', 20);
    times.record('team/app', A, undefined, 5);
    times.record('team/app', B, 'v1', 7);
    expect(r.batches).toEqual([]);
    await times.flush();
    expect(r.batches).toEqual([
      [
        { repository: 'team/app', digest: A, tag: 'v1', at: 30 },
        { repository: 'team/app', digest: A, at: 5 },
        { repository: 'team/app', digest: B, tag: 'v1', at: 7 },
      ],
    ]);
    await times.flush();
    expect(r.batches).toHaveLength(1);
  });

  it('writes by itself after the delay, and at once when too many are pending', async () => {
    const r = recorder();
    const times = new PullTimes({ store: r.store, delayMs: 20, maxPending: 2 });
    times.record('a', A);
    await new Promise((done) => setTimeout(done, 60));
    expect(r.batches).toHaveLength(1);
    times.record('a', A);
    times.record('a', B);
    await times.flush();
    expect(r.batches.map((b) => b.length)).toEqual([1, 2]);
  });

  it('reports a failed batch and goes on', async () => {
    const failures: number[] = [];
    const times = new PullTimes({
      store: { recordPulls: async () => Promise.reject(new Error('down')) },
      onError: (_err, count) => failures.push(count),
    });
    times.record('a', A);
    await expect(times.flush()).resolves.toBeUndefined();
    expect(failures).toEqual([1]);
  });
});
