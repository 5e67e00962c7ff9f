import type { ReplicationPolicyStore } from '../../ports/replication-store.js';
import { type ScheduledJob, SlotScheduler, type SlotSchedulerOptions } from '../cron.js';
import { EXECUTE_JOB, type ExecuteJob } from './types.js';

export interface SchedulerOptions extends Pick<SlotSchedulerOptions, 'jobs' | 'log' | 'tickMs' | 'now'> {
  store: ReplicationPolicyStore;
  maxAttempts: number;
}

/** Cron triggers: each enabled cron policy's due slot gets one `replication.execute` job. */
export class ReplicationScheduler extends SlotScheduler {
  constructor(o: SchedulerOptions) {
    super({
      ...o,
      what: 'replication',
      scheduled: async () =>
        (await o.store.list()).flatMap((p): ScheduledJob[] =>
          p.enabled && p.trigger.kind === 'cron'
            ? [
                {
                  schedule: p.trigger.schedule,
                  since: p.updatedAt,
                  kind: EXECUTE_JOB,
                  payload: { policyId: p.id, trigger: 'cron' } satisfies ExecuteJob,
                  key: `replication:cron:${p.id}`,
                  maxAttempts: o.maxAttempts,
                },
              ]
            : [],
        ),
    });
  }
}
