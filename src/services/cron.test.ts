import { describe, expect, it } from 'vitest';
import { dueSlot, parseSchedule, slotStart } from './cron.js';

const at = (iso: string) => Date.parse(iso);

describe('parseSchedule', () => {
  it('reads HH:MM and intervals, refuses the rest', () => {
    expect(parseSchedule('02:30')).toEqual({ kind: 'daily', minuteOfDay: 150 });
    expect(parseSchedule('23:59')).toEqual({ kind: 'daily', minuteOfDay: 1439 });
    expect(parseSchedule('30s')).toEqual({ kind: 'interval', ms: 30_000 });
    expect(parseSchedule('15m')).toEqual({ kind: 'interval', ms: 900_000 });
    expect(parseSchedule('6h')).toEqual({ kind: 'interval', ms: 21_600_000 });
    for (const bad of ['24:00', '2:30', '0s', '10d', 'every 5m', '', '169h'])
      expect(parseSchedule(bad)).toBeUndefined();
  });
});

describe('slots', () => {
  it('daily slots start at HH:MM UTC, the latest one at or before now', () => {
    const s = { kind: 'daily', minuteOfDay: 150 } as const;
    expect(slotStart(s, at('2026-03-10T02:30:00Z'))).toBe(at('2026-03-10T02:30:00Z'));
    expect(slotStart(s, at('2026-03-10T02:29:59Z'))).toBe(at('2026-03-09T02:30:00Z'));
    expect(slotStart(s, at('2026-03-10T23:00:00Z'))).toBe(at('2026-03-10T02:30:00Z'));
  });

  it('interval slots are aligned to the epoch (every replica computes the same)', () => {
    const s = { kind: 'interval', ms: 900_000 } as const;
    expect(slotStart(s, at('2026-03-10T10:14:59Z'))).toBe(at('2026-03-10T10:00:00Z'));
    expect(slotStart(s, at('2026-03-10T10:15:00Z'))).toBe(at('2026-03-10T10:15:00Z'));
  });

  it('a slot is due once it began after the policy last changed', () => {
    const s = { kind: 'daily', minuteOfDay: 150 } as const;
    const created = at('2026-03-10T10:00:00Z');
    expect(dueSlot(s, at('2026-03-10T11:00:00Z'), created)).toBeUndefined();
    expect(dueSlot(s, at('2026-03-11T02:30:05Z'), created)).toBe('2026-03-11T02:30:00.000Z');
    // Missed while down: the latest slot still runs once (its key names it).
    expect(dueSlot(s, at('2026-03-13T09:00:00Z'), created)).toBe('2026-03-13T02:30:00.000Z');
  });
});
