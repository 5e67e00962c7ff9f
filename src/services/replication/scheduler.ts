import type { ReplicationPolicyStore } from '../../ports/replication-store.js';
import { dueSlot, parseSchedule } from '../cron.js';
import type { JobQueue } from '../events/jobs.js';
import type { EventsLog } from '../events/types.js';
import { EXECUTE_JOB, type ExecuteJob } from './types.js';

export interface SchedulerOptions {
  store: ReplicationPolicyStore;
  jobs: Pick<JobQueue, 'enqueue'>;
  log: EventsLog;
  /** How often schedules are looked at. */
  tickMs: number;
  maxAttempts: number;
  now?: () => number;
}

/**
 * Cron triggers: every tick, each enabled cron policy whose current slot is due gets one
 * `replication.execute` job. The slot is the job's unique key, so however many replicas tick, a
 * slot runs once; a slot missed while every replica was down runs when one comes back.
 */
export class ReplicationScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly o: SchedulerOptions) {}

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

  /** One look at every schedule (tests call it directly). */
  tick(): Promise<void> {
    this.ticking ??= this.enqueueDue()
      .catch((err: unknown) => this.o.log.warn({ err }, 'replication schedules not checked'))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async enqueueDue(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    for (const p of await this.o.store.list()) {
      if (!p.enabled || p.trigger.kind !== 'cron') continue;
      const schedule = parseSchedule(p.trigger.schedule);
      const slot = schedule && dueSlot(schedule, now, p.updatedAt.getTime());
      if (!slot) continue;
      await this.o.jobs.enqueue(EXECUTE_JOB, { policyId: p.id, trigger: 'cron' } satisfies ExecuteJob, {
        uniqueKey: `replication:cron:${p.id}:${slot}`,
        maxAttempts: this.o.maxAttempts,
      });
    }
  }
}
