import type { RetentionStore } from '../../ports/retention-store.js';
import { type ScheduledJob, SlotScheduler, type SlotSchedulerOptions } from '../cron.js';

/** The job kind of a scheduled retention run. */
export const RETENTION_RUN_JOB = 'retention.run';

/** What a retention.run job carries. */
export interface RetentionJobPayload {
  project: string;
}

export interface RetentionSchedulerOptions
  extends Pick<SlotSchedulerOptions, 'jobs' | 'log' | 'tickMs' | 'now'> {
  store: Pick<RetentionStore, 'scheduled'>;
}

/**
 * Retention schedules: each enabled policy's due slot (services/cron.ts) gets one `retention.run`
 * job under the unique key `retention.run:<project>:<slot>`.
 */
export class RetentionScheduler extends SlotScheduler {
  constructor(o: RetentionSchedulerOptions) {
    super({
      ...o,
      what: 'retention',
      scheduled: async () =>
        (await o.store.scheduled()).flatMap((p): ScheduledJob[] =>
          p.enabled && p.schedule !== null
            ? [
                {
                  schedule: p.schedule,
                  since: p.updatedAt,
                  kind: RETENTION_RUN_JOB,
                  payload: { project: p.project } satisfies RetentionJobPayload,
                  key: `${RETENTION_RUN_JOB}:${p.project}`,
                  maxAttempts: 3,
                },
              ]
            : [],
        ),
    });
  }
}
