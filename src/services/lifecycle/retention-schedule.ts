import type { RetentionStore } from '../../ports/retention-store.js';
import { dueSlot, parseSchedule } from '../cron.js';

/** The job kind of a scheduled retention run. */
export const RETENTION_RUN_JOB = 'retention.run';

/** What a retention.run job carries. */
export interface RetentionJobPayload {
  project: string;
}

export interface RetentionSchedulerOptions {
  store: Pick<RetentionStore, 'scheduled'>;
  jobs: {
    enqueue(
      kind: string,
      payload: unknown,
      opts: { uniqueKey?: string; maxAttempts?: number },
    ): Promise<{ id: number; created: boolean }>;
  };
  log: { warn(obj: object, msg: string): void };
  /** How often schedules are looked at. */
  tickMs: number;
  now?: () => number;
}

/**
 * Retention schedules: every tick, each enabled policy whose current slot (services/cron.ts) is due
 * gets one `retention.run` job under the unique key `retention.run:<project>:<slot>`, so however
 * many replicas tick, a slot runs once; a slot missed while every replica was down runs when one
 * comes back.
 */
export class RetentionScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly o: RetentionSchedulerOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.o.tickMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One look at every schedule (tests may call it directly). */
  tick(): Promise<void> {
    this.ticking ??= this.enqueueDue()
      .catch((err: unknown) => this.o.log.warn({ err }, 'retention schedules not checked'))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async enqueueDue(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    for (const p of await this.o.store.scheduled()) {
      const schedule = p.enabled && p.schedule !== null ? parseSchedule(p.schedule) : undefined;
      const slot = schedule && dueSlot(schedule, now, p.updatedAt.getTime());
      if (!slot) continue;
      const payload: RetentionJobPayload = { project: p.project };
      await this.o.jobs.enqueue(RETENTION_RUN_JOB, payload, {
        uniqueKey: `${RETENTION_RUN_JOB}:${p.project}:${slot}`,
        maxAttempts: 3,
      });
    }
  }
}
