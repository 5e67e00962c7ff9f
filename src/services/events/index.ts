import type { ManifestRecord, MetaStore } from '../../ports/meta-store.js';
import type { Principal } from '../access/principal.js';
import type { Admission, Registry } from '../registry/index.js';
import { AuditService } from './audit.js';
import { BatchedEventSink } from './batched-sink.js';
import { WebhookDeliverer } from './delivery.js';
import { JobQueue, type JobQueueOptions } from './jobs.js';
import { pullRecorder, withEvents, withPolicyEvents } from './registry-events.js';
import { actorOf, type EventTrigger, StoredEventSink } from './sink.js';
import type { EventInput, EventSink, EventsLog } from './types.js';
import { DELIVERY_JOB, WebhookService } from './webhooks.js';

export { type AuditPage, type AuditQuery, AuditService } from './audit.js';
export {
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  JobQueue,
  PermanentJobError,
} from './jobs.js';
export { signature } from './payloads.js';
export { pullRecorder, withEvents, withPolicyEvents } from './registry-events.js';
export type { EventTrigger } from './sink.js';
export * from './types.js';
export { type CreateWebhook, type UpdateWebhook, WebhookService, type WebhookView } from './webhooks.js';

/** The job kind that applies retention (one per day across all replicas, by unique key). */
export const RETENTION_JOB = 'events.retention';

export interface EventingOptions {
  meta: MetaStore;
  log?: EventsLog;
  jobs?: Omit<JobQueueOptions, 'store' | 'log'>;
  /** More triggers beside webhooks (replication's onPush), fed from the same transactions. */
  triggers?: EventTrigger[];
  /** Audit events older than this are purged daily. Default 90. */
  retentionDays?: number;
  webhooks?: {
    /** Per-attempt timeout. Default 10 s. */
    timeoutMs?: number;
    /** Default 10. */
    maxAttempts?: number;
    /** host[:port] in Harbor's resource_url, from externalUrl. */
    registryHost?: string;
    /** CloudEvents source. Default '/wharf'. */
    source?: string;
    /** Default 5000. */
    cacheTtlMs?: number;
  };
}

export interface LoginFailedInput {
  username: string;
  clientIp: string;
  reason: string;
}

export interface PolicyDecisionInput {
  /** e.g. 'rate-limit', 'quota'. */
  policy: string;
  /** The refused action, e.g. 'pull'. */
  action: string;
  repository?: string;
  reason: string;
  detail?: Record<string, unknown>;
  /** What was decided; default 'deny' (a refusal). 'allow' and 'warn' are recorded as successes. */
  decision?: 'allow' | 'deny' | 'warn';
  /** When called outside the request context (the /v2 beforePull hook). */
  principal?: Principal;
  clientIp?: string;
}

export interface Eventing {
  sink: EventSink;
  audit: AuditService;
  webhooks: WebhookService;
  jobs: JobQueue;
  /** The registry, emitting PUSH_ARTIFACT, TAG_MOVED and DELETE_ARTIFACT. */
  decorate(registry: Registry): Registry;
  /** Admission hooks emitting POLICY_DECISION on refusals. */
  decorateAdmission(admission: Admission): Admission;
  /**
   * PULL_ARTIFACT: call from the manifest GET handler (not HEAD). Never rejects. Pull events are
   * written in batches (within 200 ms); `flushPulls` writes the queued ones now, `stop` does too.
   */
  recordPull(repo: string, reference: string, manifest: ManifestRecord): Promise<void>;
  /** Writes the queued pull events and pull refusals now. */
  flushPulls(): Promise<void>;
  /** LOGIN_FAILED. Never rejects. */
  loginFailed(failure: LoginFailedInput): Promise<void>;
  /** POLICY_DECISION for refusals outside the registry (rate limits), batched like pulls. Never rejects. */
  policyDecision(decision: PolicyDecisionInput): Promise<void>;
  /** Starts the job workers and the daily retention schedule. */
  start(): void;
  /** Stops scheduling and claiming; waits for running jobs. */
  stop(): Promise<void>;
}

function today(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/**
 * The events aggregate, composed: sink (audit log + outbox), webhooks, jobs queue, audit queries
 * and the decorators that feed them. See README.md for the wiring.
 */
export function createEventing(o: EventingOptions): Eventing {
  const log = o.log ?? { info() {}, warn() {} };
  const store = o.meta.events;
  const retentionDays = o.retentionDays ?? 90;
  const jobs = new JobQueue({ ...o.jobs, store: store.jobs, log });
  const webhooks = new WebhookService({
    store: store.webhooks,
    ...(o.webhooks?.cacheTtlMs !== undefined ? { cacheTtlMs: o.webhooks.cacheTtlMs } : {}),
    ...(o.webhooks?.maxAttempts !== undefined ? { maxAttempts: o.webhooks.maxAttempts } : {}),
  });
  const triggers = [webhooks, ...(o.triggers ?? [])];
  const sink = new StoredEventSink({ log: store.log, triggers, onJobs: () => jobs.wake() });
  // Pulls (and refusals of them) come at the rate of manifest GETs: batched, so they cost no write
  // of their own, and a client hammering past its rate limit cannot turn each 429 into a write.
  const frequent = new BatchedEventSink({
    log: store.log,
    triggers: [webhooks],
    onJobs: () => jobs.wake(),
    onError: (err, count) => log.warn({ err, count }, 'pull events not recorded'),
  });
  const audit = new AuditService(store.log);
  const deliverer = new WebhookDeliverer({
    store,
    ...o.webhooks,
    repoType: async (project) => ((await o.meta.access.projects.get(project))?.public ? 'public' : 'private'),
  });
  jobs.register(DELIVERY_JOB, deliverer.handle);
  jobs.register(RETENTION_JOB, async () => ({
    events: await audit.purgeOlderThan(retentionDays),
    jobs: await store.jobs.purgeFinishedBefore(new Date(Date.now() - retentionDays * 86_400_000)),
  }));
  const onError = (err: unknown, event: EventInput) =>
    log.warn({ err, type: event.type, repository: event.repository }, 'event not recorded');
  const emit = async (event: EventInput) => {
    await sink.emit(event).catch((err: unknown) => onError(err, event));
  };
  const emitFrequent = async (event: EventInput) => {
    await frequent.emit(event).catch((err: unknown) => onError(err, event));
  };
  let schedule: NodeJS.Timeout | undefined;
  const scheduleRetention = () => {
    jobs
      .enqueue(RETENTION_JOB, null, { uniqueKey: `${RETENTION_JOB}:${today()}` })
      .catch((err: unknown) => log.warn({ err }, 'retention not scheduled'));
  };
  return {
    sink,
    audit,
    webhooks,
    jobs,
    decorate: (registry) => withEvents(registry, sink, onError),
    decorateAdmission: (admission) => withPolicyEvents(admission, sink, onError),
    recordPull: pullRecorder(frequent, onError),
    flushPulls: () => frequent.flush(),
    loginFailed: (f) =>
      emit({
        type: 'LOGIN_FAILED',
        outcome: 'failure',
        actor: { name: f.username, kind: f.username.startsWith('robot$') ? 'robot' : 'user' },
        clientIp: f.clientIp,
        detail: { reason: f.reason },
      }),
    policyDecision: (d) =>
      emitFrequent({
        type: 'POLICY_DECISION',
        outcome: (d.decision ?? 'deny') === 'deny' ? 'failure' : 'success',
        ...(d.repository !== undefined ? { repository: d.repository } : {}),
        ...(d.principal ? { actor: actorOf(d.principal) } : {}),
        ...(d.clientIp !== undefined ? { clientIp: d.clientIp } : {}),
        detail: {
          policy: d.policy,
          action: d.action,
          decision: d.decision ?? 'deny',
          reason: d.reason,
          ...d.detail,
        },
      }),
    start() {
      jobs.start();
      scheduleRetention();
      // Every replica tries hourly; the day's unique key lets one job through per day.
      schedule ??= setInterval(scheduleRetention, 3_600_000);
      schedule.unref();
    },
    async stop() {
      clearInterval(schedule);
      schedule = undefined;
      await frequent.flush();
      await jobs.stop();
    },
  };
}
