import { describe, expect, it } from 'vitest';
import { GcSchedule, nextRun, scheduleKey } from './schedule.js';

describe('nextRun', () => {
  const at = (iso: string) => new Date(iso);

  it('is today at HH:MM UTC when that is still ahead, else tomorrow', () => {
    expect(nextRun('03:00', at('2026-05-01T02:59:59Z'))?.toISOString()).toBe('2026-05-01T03:00:00.000Z');
    expect(nextRun('03:00', at('2026-05-01T03:00:00Z'))?.toISOString()).toBe('2026-05-02T03:00:00.000Z');
    expect(nextRun('23:45', at('2026-12-31T23:50:00Z'))?.toISOString()).toBe('2027-01-01T23:45:00.000Z');
    expect(nextRun('00:00', at('2026-02-28T12:00:00Z'))?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it("is nothing for 'off'", () => {
    expect(nextRun('off', new Date())).toBeUndefined();
  });

  it('keys a run by its time, so every replica names the same job', () => {
    expect(scheduleKey(at('2026-05-02T03:00:00Z'))).toBe('gc.run:2026-05-02T03:00');
  });
});

describe('GcSchedule', () => {
  it('enqueues the next run due at its time, under its unique key, for the schedule trigger', async () => {
    const enqueued: unknown[] = [];
    const jobs = {
      enqueue: async (kind: string, payload: unknown, opts: unknown) => {
        enqueued.push({ kind, payload, opts });
        return { id: 1, created: true };
      },
    };
    await new GcSchedule({ jobs, schedule: '04:30' }).tick(new Date('2026-05-01T10:00:00Z'));
    expect(enqueued).toEqual([
      {
        kind: 'gc.run',
        payload: { trigger: 'schedule' },
        opts: {
          runAfter: new Date('2026-05-02T04:30:00Z'),
          uniqueKey: 'gc.run:2026-05-02T04:30',
          maxAttempts: 3,
        },
      },
    ]);
    expect(await new GcSchedule({ jobs, schedule: 'off' }).tick()).toBeUndefined();
    expect(enqueued).toHaveLength(1);
  });
});
