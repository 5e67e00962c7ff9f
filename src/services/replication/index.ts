import type { ReplicationStore } from '../../ports/replication-store.js';
import type { JobQueue } from '../events/jobs.js';
import type { EventsLog } from '../events/types.js';
import type { Registry } from '../registry/index.js';
import { artifactRunner } from './artifact-job.js';
import { executeRunner } from './execute-job.js';
import { PolicyService } from './policies.js';
import { ReplicationScheduler } from './scheduler.js';
import { ReplicationService } from './service.js';
import { PushTrigger } from './trigger.js';
import { ARTIFACT_JOB, type ArtifactLabels, type CredentialSealer, EXECUTE_JOB } from './types.js';

export { dueSlot, parseSchedule, type Schedule } from '../cron.js';
export { globMatches, isAttachmentTag, literalNames } from './filters.js';
export { type ExecutionDetail, type ExecutionView, ReplicationService } from './service.js';
export { PushTrigger } from './trigger.js';
export * from './types.js';

export interface ReplicationOptions {
  store: ReplicationStore;
  /** The registry as clients see it (events decorated): pull-mode writes are pushes like any other. */
  registry: Registry;
  jobs: JobQueue;
  log: EventsLog;
  /** The onPush trigger the event sink was given (see {@link createPushTrigger}). */
  trigger: PushTrigger;
  /** The credentials' sealer, made on first use (the key may be generated into the data dir then). */
  sealer: () => Promise<CredentialSealer>;
  /** Artifact labels for the label filter; without them, a label filter fails the execution. */
  labels?: ArtifactLabels;
  subjectOf(repository: string, digest: string): Promise<string | null>;
  tagsOf(repository: string, digest: string): Promise<string[]>;
  /** Upload chunk size (and the largest blob sent whole). Default 8 MiB. */
  chunkSize?: number;
  /** Attempts per job before it is dead. Default 5. */
  maxAttempts?: number;
  /** How often cron schedules are looked at. Default 30 s. */
  scheduleTickMs?: number;
}

export interface Replication {
  service: ReplicationService;
  scheduler: ReplicationScheduler;
  start(): void;
  stop(): Promise<void>;
}

const DEFAULT_ATTEMPTS = 5;

/** The onPush trigger, made before the event sink that feeds it (the rest needs the decorated registry). */
export function createPushTrigger(store: ReplicationStore, maxAttempts = DEFAULT_ATTEMPTS): PushTrigger {
  return new PushTrigger({ store: store.policies, maxAttempts });
}

/**
 * Replication composed: policy CRUD (credentials sealed), the execute and artifact job handlers on
 * the durable jobs queue, the onPush trigger's cache, and the cron scheduler. See README.md.
 */
export function createReplication(o: ReplicationOptions): Replication {
  const maxAttempts = o.maxAttempts ?? DEFAULT_ATTEMPTS;
  const chunkSize = o.chunkSize ?? 8 * 1024 * 1024;
  const policies = new PolicyService({
    store: o.store.policies,
    sealer: o.sealer,
    onChange: () => o.trigger.forget(),
  });
  const sides = { registry: o.registry, policies, uploads: o.store.uploads, chunkSize };
  o.jobs.register(
    EXECUTE_JOB,
    executeRunner({
      ...sides,
      store: o.store,
      labels: o.labels,
      maxAttempts,
      subjectOf: o.subjectOf,
      tagsOf: o.tagsOf,
      onJobs: () => o.jobs.wake(),
    }),
  );
  o.jobs.register(ARTIFACT_JOB, artifactRunner({ ...sides, store: o.store }));
  const scheduler = new ReplicationScheduler({
    store: o.store.policies,
    jobs: o.jobs,
    log: o.log,
    tickMs: o.scheduleTickMs ?? 30_000,
    maxAttempts,
  });
  return {
    service: new ReplicationService({ store: o.store, policies, jobs: o.jobs, maxAttempts }),
    scheduler,
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
