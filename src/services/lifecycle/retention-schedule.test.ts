import { describe, expect, it } from 'vitest';
import type { RetentionPolicy } from '../../ports/retention-store.js';
import { RetentionScheduler } from './retention-schedule.js';

const at = (iso: string) => Date.parse(iso);

function policy(project: string, schedule: string | null, o: Partial<RetentionPolicy> = {}): RetentionPolicy {
  return { project, rules: [], schedule, enabled: true, updatedAt: new Date('2026-05-01T00:00:00Z'), ...o };
}

describe('RetentionScheduler', () => {
  it('enqueues one retention.run per due slot and project, under the same key on every replica', async () => {
    const keys = new Map<string, unknown>();
    const jobs = {
      enqueue: async (kind: string, payload: unknown, opts: { uniqueKey?: string }) => {
        const key = `${kind} ${opts.uniqueKey}`;
        const created = !keys.has(key);
        if (created) keys.set(key, payload);
        return { id: keys.size, created };
      },
    };
    const policies = [
      policy('daily', '03:00'),
      policy('often', '10m'),
      policy('off', '10m', { enabled: false }),
      policy('manual', null),
      policy('fresh', '03:00', { updatedAt: new Date('2026-05-02T03:30:00Z') }),
    ];
    const now = at('2026-05-02T03:05:00Z');
    const replicas = [1, 2, 3].map(
      () =>
        new RetentionScheduler({
          store: { scheduled: async () => policies },
          jobs,
          log: { warn: () => {} },
          tickMs: 1000,
          now: () => now,
        }),
    );
    for (const r of replicas) await r.tick();
    expect([...keys]).toEqual([
      ['retention.run retention.run:daily:2026-05-02T03:00:00.000Z', { project: 'daily' }],
      ['retention.run retention.run:often:2026-05-02T03:00:00.000Z', { project: 'often' }],
    ]);
  });
});
