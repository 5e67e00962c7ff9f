import type { GcRunRecord, GcStore } from '../../ports/gc-store.js';
import type { GarbageCollector, GcRunOptions } from './gc.js';
import type { Scrubber, ScrubReport } from './scrub.js';

/**
 * Garbage collection and scrub, as the API and the gc.run job use them. Runs in one process do
 * not overlap (a second waits for the first); runs on several replicas may, and are safe to (every
 * delete re-checks under locks), though they split the work between them.
 */
export class LifecycleService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly closing = new AbortController();

  constructor(
    private readonly o: {
      collector: Pick<GarbageCollector, 'run'>;
      scrubber: Pick<Scrubber, 'run'>;
      store: Pick<GcStore, 'recordRun' | 'runs'>;
      /** Told about every recorded run that was not dry (the audit log); must not reject. */
      onCollected?: (run: GcRunRecord) => Promise<void>;
    },
  ) {}

  /** Collects (or, dry, reports) now, records the run in the history, and returns it. */
  gc(opts: GcRunOptions = {}): Promise<GcRunRecord> {
    const signals = [this.closing.signal, ...(opts.signal ? [opts.signal] : [])];
    return this.serially(async () => {
      const report = await this.o.collector.run({ ...opts, signal: AbortSignal.any(signals) });
      const run = { id: await this.o.store.recordRun(report), ...report };
      if (!run.dryRun) await this.o.onCollected?.(run);
      return run;
    });
  }

  /** The history of runs, newest first. */
  runs(page: { before?: number; limit: number }): Promise<GcRunRecord[]> {
    return this.o.store.runs(page);
  }

  /** Verifies every stored blob's digest and size; reports, never deletes. */
  scrub(signal?: AbortSignal): Promise<ScrubReport> {
    return this.o.scrubber.run(signal);
  }

  /**
   * Shutdown: a run in progress stops after its current batch (recorded with the error 'shutting
   * down' and what it did); resolves once it has. Call before closing the metadata store.
   */
  async close(): Promise<void> {
    this.closing.abort(new Error('shutting down'));
    await this.queue;
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
