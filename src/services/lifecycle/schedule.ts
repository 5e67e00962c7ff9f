/** The job kind of a scheduled garbage collection. */
export const GC_JOB = 'gc.run';

/** What a scheduled gc.run job carries. */
export interface GcJobPayload {
  trigger: 'schedule';
}

/** The first `HH:MM` UTC strictly after `now`; undefined for 'off'. */
export function nextRun(schedule: string, now: Date): Date | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(schedule);
  if (!m) return undefined;
  const at = new Date(now);
  at.setUTCHours(Number(m[1]), Number(m[2]), 0, 0);
  if (at.getTime() <= now.getTime()) at.setUTCDate(at.getUTCDate() + 1);
  return at;
}

/** `gc.run:2024-05-01T03:00`: one job per scheduled time, however many replicas enqueue it. */
export function scheduleKey(at: Date): string {
  return `${GC_JOB}:${at.toISOString().slice(0, 16)}`;
}

export interface GcScheduleOptions {
  jobs: {
    enqueue(
      kind: string,
      payload: unknown,
      opts: { runAfter?: Date; uniqueKey?: string; maxAttempts?: number },
    ): Promise<{ id: number; created: boolean }>;
  };
  /** `HH:MM` (UTC) or 'off'. */
  schedule: string;
  log?: { warn(obj: object, msg: string): void };
  /** How often every replica enqueues the next run (the unique key lets one through). Default 1 h. */
  intervalMs?: number;
}

/**
 * The daily garbage collection: every replica keeps the next run enqueued in the durable jobs
 * queue, due at the scheduled time, under a unique key naming that time; so there is always one
 * job waiting, it runs once whichever replica claims it, and a replica down at the time runs it
 * when it is back.
 */
export class GcSchedule {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: GcScheduleOptions) {}

  /** Enqueues the next run; undefined when the schedule is off. */
  async tick(now = new Date()): Promise<{ id: number; created: boolean } | undefined> {
    const at = nextRun(this.o.schedule, now);
    if (!at) return undefined;
    const payload: GcJobPayload = { trigger: 'schedule' };
    return this.o.jobs.enqueue(GC_JOB, payload, { runAfter: at, uniqueKey: scheduleKey(at), maxAttempts: 3 });
  }

  start(): void {
    if (this.o.schedule === 'off' || this.timer) return;
    const tick = () => {
      this.tick().catch((err: unknown) => this.o.log?.warn({ err }, 'garbage collection not scheduled'));
    };
    tick();
    this.timer = setInterval(tick, this.o.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
