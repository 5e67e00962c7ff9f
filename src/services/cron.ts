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
