import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { MetaStore } from '../ports/meta-store.js';
import type { Eventing } from '../services/events/index.js';
import {
  type ImmutableTags,
  RETENTION_RUN_JOB,
  type RetentionJobPayload,
  RetentionScheduler,
  RetentionService,
} from '../services/lifecycle/index.js';
import type { Registry } from '../services/registry/index.js';

export interface Retention {
  service: RetentionService;
  /** Starts the schedule checks; call after the job workers started. */
  start(): void;
  /** Stops scheduling and waits for runs in progress; before the metadata store closes. */
  stop(): Promise<void>;
}

/** Retention on the real services: the decorated registry deletes, the jobs queue runs schedules. */
export function composeRetention(o: {
  config: Config;
  meta: MetaStore;
  registry: Registry;
  eventing: Eventing;
  /** The registry's immutability hook: retention keeps what it would refuse (rules and promotions). */
  immutable: Pick<ImmutableTags, 'frozen'>;
  log: Logger;
}): Retention {
  const { meta, registry, eventing } = o;
  const service = new RetentionService({
    store: meta.retention,
    activity: meta.activity,
    labels: meta.labels,
    repositories: async (project, page) =>
      (await meta.catalog.repositories(project, page)).map((r) => r.name),
    deleteReference: (repository, reference, opts) => registry.manifests.delete(repository, reference, opts),
    immutable: (repository, tag) => o.immutable.frozen(repository, tag),
    onChanged: (c) =>
      eventing.sink
        .emit({
          type: 'POLICY_DECISION',
          repository: c.repository,
          outcome: 'success',
          detail: {
            policy: 'retention',
            action: 'run',
            decision: 'allow',
            reason: `retention run ${c.run}: ${c.untagged} artifact(s) untagged, ${c.deleted} manifest(s) deleted`,
            run: c.run,
            untagged: c.untagged,
            deleted: c.deleted,
          },
        })
        .catch((err: unknown) => o.log.warn({ err, repository: c.repository }, 'event not recorded')),
  });
  eventing.jobs.register(RETENTION_RUN_JOB, async (payload) => {
    const { project } = payload as RetentionJobPayload;
    const policy = await meta.retention.get(project);
    // Changed since the job was enqueued: no policy, disabled, or no schedule any more.
    if (!policy?.enabled || policy.schedule === null) return { skipped: 'no enabled scheduled policy' };
    const run = await service.run(project, { dryRun: false, trigger: 'schedule' });
    // A run that could not plan is retried (the jobs queue's backoff); failed items are not.
    if (run.error !== null) throw new Error(run.error);
    return { run: run.id, status: run.status };
  });
  const scheduler = new RetentionScheduler({
    store: meta.retention,
    jobs: eventing.jobs,
    log: o.log,
    tickMs: o.config.retention.scheduleTickSeconds * 1000,
  });
  return {
    service,
    start: () => {
      service
        .abandonStale()
        .catch((err: unknown) => o.log.warn({ err }, 'interrupted retention runs not marked'));
      scheduler.start();
    },
    async stop() {
      await scheduler.stop();
      await service.close();
    },
  };
}
