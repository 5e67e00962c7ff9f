import { describe, expect, it } from 'vitest';
import type { GcRunRecord, GcRunReport } from '../../ports/gc-store.js';
import type { GcRunOptions } from './gc.js';
import { LifecycleService } from './service.js';

function report(o: GcRunOptions, error: string | null = null): GcRunReport {
  const at = new Date(0);
  return {
    dryRun: o.dryRun === true,
    trigger: o.trigger ?? 'api',
    startedAt: at,
    finishedAt: at,
    durationMs: 0,
    graceHours: 72,
    linksRemoved: 0,
    blobsDeleted: 0,
    blobBytes: 0,
    orphanFiles: 0,
    orphanBytes: 0,
    uploadsExpired: 0,
    bytesFreed: 0,
    error,
  };
}

/** A collector whose runs wait for `release()` (or their signal), logging when they start and end. */
function world() {
  const events: string[] = [];
  const releases: (() => void)[] = [];
  const runs: GcRunRecord[] = [];
  const service = new LifecycleService({
    collector: {
      run: (o = {}) =>
        new Promise((resolve) => {
          events.push(`start ${o.dryRun ? 'dry' : 'real'}`);
          const done = (error: string | null) => {
            events.push(`end ${o.dryRun ? 'dry' : 'real'}`);
            resolve(report(o, error));
          };
          releases.push(() => done(null));
          const signal = o.signal;
          signal?.addEventListener('abort', () => done((signal.reason as Error).message));
        }),
    },
    scrubber: {
      run: async () => ({
        startedAt: new Date(0),
        finishedAt: new Date(0),
        durationMs: 0,
        checked: 0,
        bytes: 0,
        corrupt: 0,
        missing: 0,
        problems: [],
      }),
    },
    store: {
      recordRun: async (r) => {
        runs.push({ id: runs.length + 1, ...r });
        return runs.length;
      },
      runs: async () => [...runs].reverse(),
    },
  });
  const tick = () => new Promise((r) => setTimeout(r, 5));
  return { service, events, releases, runs, tick };
}

describe('LifecycleService', () => {
  it('runs one collection at a time in a process and records each', async () => {
    const w = world();
    const first = w.service.gc({ dryRun: true });
    const second = w.service.gc();
    await w.tick();
    expect(w.events).toEqual(['start dry']);
    w.releases.shift()?.();
    expect(await first).toMatchObject({ id: 1, dryRun: true, error: null });
    await w.tick();
    w.releases.shift()?.();
    expect(await second).toMatchObject({ id: 2, dryRun: false });
    expect(w.events).toEqual(['start dry', 'end dry', 'start real', 'end real']);
  });

  it('on close, stops the run in progress and records why', async () => {
    const w = world();
    const running = w.service.gc({ trigger: 'schedule' });
    await w.tick();
    await w.service.close();
    expect(await running).toMatchObject({ trigger: 'schedule', error: 'shutting down' });
    expect(w.runs).toHaveLength(1);
  });
});
