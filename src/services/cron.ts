/**
 * Cron triggers of replication and retention policies: `HH:MM` runs daily at that UTC time; `<n>s`,
 * `<n>m` or `<n>h` runs every interval (aligned to the epoch, so every replica computes the same
 * slots). A slot is due once its start has passed and it began after the policy was last changed
 * (no run for the slot a policy was made in).
 */

export type Schedule = { kind: 'daily'; minuteOfDay: number } | { kind: 'interval'; ms: number };

const DAILY_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const INTERVAL_RE = /^([1-9]\d{0,5})([smh])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;
const DAY_MS = 86_400_000;

/** The schedule a string names, or undefined when it is neither `HH:MM` nor `<n>s|m|h`. */
export function parseSchedule(text: string): Schedule | undefined {
  const daily = DAILY_RE.exec(text);
  if (daily) return { kind: 'daily', minuteOfDay: Number(daily[1]) * 60 + Number(daily[2]) };
  const every = INTERVAL_RE.exec(text);
  if (!every) return undefined;
  const ms = Number(every[1]) * UNIT_MS[every[2] as keyof typeof UNIT_MS];
  return ms <= 7 * DAY_MS ? { kind: 'interval', ms } : undefined;
}

/** The start (epoch ms) of the latest slot at or before `now`. */
export function slotStart(s: Schedule, now: number): number {
  if (s.kind === 'interval') return Math.floor(now / s.ms) * s.ms;
  const today = Math.floor(now / DAY_MS) * DAY_MS + s.minuteOfDay * 60_000;
  return today <= now ? today : today - DAY_MS;
}

/**
 * The slot due now, as a key naming it (its start in ISO form), or undefined when the latest slot
 * started before `since` (the policy's last change).
 */
export function dueSlot(s: Schedule, now: number, since: number): string | undefined {
  const start = slotStart(s, now);
  return start >= since ? new Date(start).toISOString() : undefined;
}

/** One scheduled policy as the scheduler sees it: when, since when, and the job a due slot gets. */
export interface ScheduledJob {
  /** `HH:MM` or `<n>s|m|h`; anything else never runs. */
  schedule: string;
  /** The policy's last change: no run for a slot that began before it. */
  since: Date;
  kind: string;
  payload: unknown;
  /** The job's unique key is `<key>:<slot>`, so one job per policy and slot across replicas. */
  key: string;
  maxAttempts: number;
}

export interface SlotSchedulerOptions {
  /** The enabled scheduled policies, read at every tick. */
  scheduled: () => Promise<readonly ScheduledJob[]>;
  jobs: {
    enqueue(
      kind: string,
      payload: unknown,
      opts: { uniqueKey?: string; maxAttempts?: number },
    ): Promise<{ id: number; created: boolean }>;
  };
  log: { warn(obj: object, msg: string): void };
  /** What the log line names when a tick fails ('replication', 'retention'). */
  what: string;
  /** How often schedules are looked at. */
  tickMs: number;
  now?: () => number;
}

/**
 * Cron triggers through the durable jobs queue: every tick, each policy whose current slot is due
 * gets one job under a unique key naming the slot, so however many replicas tick, a slot runs once;
 * a slot missed while every replica was down runs when one comes back.
 */
export class SlotScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly o: SlotSchedulerOptions) {}

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
      .catch((err: unknown) => this.o.log.warn({ err }, `${this.o.what} schedules not checked`))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async enqueueDue(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    for (const j of await this.o.scheduled()) {
      const schedule = parseSchedule(j.schedule);
      const slot = schedule && dueSlot(schedule, now, j.since.getTime());
      if (!slot) continue;
      await this.o.jobs.enqueue(j.kind, j.payload, {
        uniqueKey: `${j.key}:${slot}`,
        maxAttempts: j.maxAttempts,
      });
    }
  }
}
