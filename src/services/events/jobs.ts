import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobRecord, JobStore } from '../../ports/event-store.js';
import { type EventsLog, silentLog } from './types.js';

export interface JobContext {
  job: JobRecord;
  /** Aborted when this worker loses the job's lease (another worker may run it now). */
  signal: AbortSignal;
}

/** Runs one job; its result is stored as JSON. Throwing fails the attempt (retried with backoff). */
export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<unknown>;

/** Thrown by a handler for a failure no retry can fix: the job goes straight to dead. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

export interface EnqueueOptions {
  runAfter?: Date;
  /** At most one job with this key ever exists (schedules: `gc:2024-05-01T03`). */
  uniqueKey?: string;
  /** Default 5. */
  maxAttempts?: number;
}

export interface JobQueueOptions {
  store: JobStore;
  log?: EventsLog;
  /** How often idle workers look for due jobs (other replicas' enqueues, retries). Default 1000. */
  pollMs?: number;
  /** How long a claim holds; renewed every third of it while the handler runs. Default 60 s. */
  leaseMs?: number;
  /** Handlers running at once in this process. Default 4. */
  concurrency?: number;
  /** First retry delay; doubles per attempt, ±20 % jitter. Default 1000. */
  backoffBaseMs?: number;
  /** Retry delay cap. Default 10 minutes. */
  backoffMaxMs?: number;
  /** Lease owner name; default host:pid:random. */
  owner?: string;
}

/** Delay before retry number `attempt` (1-based): base·2^(attempt−1), ±20 % jitter, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  return Math.round(Math.min(maxMs, exp * (0.8 + 0.4 * random())));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The durable jobs queue: enqueue anywhere, run on every replica. One claim loop per process
 * (on SQLite the single in-process claimer; on PostgreSQL claims skip each other's locks), up to
 * `concurrency` handlers at once, each holding a renewed lease so a crashed worker's jobs return to
 * the queue once the lease runs out.
 */
export class JobQueue {
  readonly owner: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly active = new Set<Promise<void>>();
  private readonly o: Required<Omit<JobQueueOptions, 'owner'>>;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** Set by wake(); a wake that arrives while claiming must not be lost to the next sleep. */
  private woken = false;

  constructor(options: JobQueueOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.o = {
      store: options.store,
      log: options.log ?? silentLog,
      pollMs: options.pollMs ?? 1000,
      leaseMs: options.leaseMs ?? 60_000,
      concurrency: options.concurrency ?? 4,
      backoffBaseMs: options.backoffBaseMs ?? 1000,
      backoffMaxMs: options.backoffMaxMs ?? 10 * 60_000,
    };
  }

  /** Handles jobs of `kind` in this process. Register before start(). */
  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`job kind '${kind}' already has a handler`);
    this.handlers.set(kind, handler);
  }

  async enqueue(
    kind: string,
    payload: unknown,
    opts: EnqueueOptions = {},
  ): Promise<{ id: number; created: boolean }> {
    const r = await this.o.store.enqueue({ kind, payload, ...opts });
    if (!opts.runAfter || opts.runAfter.getTime() <= Date.now()) this.wake();
    return r;
  }

  /** Makes an idle worker look for due jobs now (after a local enqueue). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.claimLoop();
  }

  /** Stops claiming and waits for the handlers still running to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = undefined;
    await Promise.allSettled([...this.active]);
  }

  private async claimLoop(): Promise<void> {
    while (this.running) {
      let idleMs = this.o.pollMs;
      this.woken = false;
      try {
        while (this.running && this.active.size < this.o.concurrency) {
          const job = await this.o.store.claim([...this.handlers.keys()], this.owner, this.o.leaseMs);
          if (!job) break;
          this.track(job);
        }
      } catch (err) {
        this.o.log.warn({ err }, 'jobs: claiming failed');
        idleMs = Math.max(idleMs, 1000);
      }
      if (this.running) await this.sleep(idleMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.woken) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private track(job: JobRecord): void {
    const p = this.run(job).catch((err: unknown) =>
      this.o.log.warn({ err, job: job.id }, 'jobs: recording the outcome failed'),
    );
    this.active.add(p);
    void p.finally(() => {
      this.active.delete(p);
      this.wake(); // a slot is free
    });
  }

  private async run(job: JobRecord): Promise<void> {
    const { store, log } = this.o;
    const handler = this.handlers.get(job.kind);
    if (!handler || job.attempts > job.maxAttempts) {
      // Out of attempts: the last one's worker died holding the lease.
      await store.fail(job.id, this.owner, job.lastError ?? 'lease expired on the last attempt', null);
      return;
    }
    const lost = new AbortController();
    const renew = setInterval(() => {
      store.extendLease(job.id, this.owner, this.o.leaseMs).then(
        (held) => held || lost.abort(new Error('lease lost')),
        (err: unknown) => log.warn({ err, job: job.id }, 'jobs: lease renewal failed'),
      );
    }, this.o.leaseMs / 3);
    try {
      const result = await handler(job.payload, { job, signal: lost.signal });
      await store.complete(job.id, this.owner, result);
    } catch (err) {
      await this.failed(job, err);
    } finally {
      clearInterval(renew);
    }
  }

  private async failed(job: JobRecord, err: unknown): Promise<void> {
    const final = err instanceof PermanentJobError || job.attempts >= job.maxAttempts;
    const delay = backoffMs(job.attempts, this.o.backoffBaseMs, this.o.backoffMaxMs);
    const retryAt = final ? null : new Date(Date.now() + delay);
    await this.o.store.fail(job.id, this.owner, errorText(err), retryAt);
    this.o.log.warn(
      { job: job.id, kind: job.kind, attempt: job.attempts, err: errorText(err), retryAt },
      final ? 'job dead' : 'job failed; will retry',
    );
  }
}
