import type { ActorKind, EventType, WharfEvent } from '../services/events/types.js';

/**
 * The event outbox / audit log, webhooks with their deliveries, and the durable jobs queue, split
 * by aggregate. The SQL adapter lives in src/adapters/meta-sql/events/.
 */
export interface EventStore {
  readonly log: EventLogStore;
  readonly webhooks: WebhookStore;
  readonly jobs: JobStore;
}

export interface EventQuery {
  project?: string;
  /** Actor name (`admin`, `robot$team+ci`). */
  actor?: string;
  actorKind?: ActorKind;
  types?: EventType[];
  repository?: string;
  /** occurredAt >= from */
  from?: Date;
  /** occurredAt < to */
  to?: Date;
  /** Cursor: return only events older than the event with this id (the last id of the previous page). */
  before?: string;
  /** At most this many (the caller caps it). */
  limit: number;
}

/** Events are the audit log and the outbox at once: webhooks and job triggers are fed from them. */
export interface EventLogStore {
  /**
   * Writes the event and the jobs it triggers in one transaction: a delivery is never enqueued
   * for an event that was not recorded, and a recorded event never misses its deliveries.
   */
  append(event: WharfEvent, jobs?: NewJob[]): Promise<void>;
  /** Writes many events with their jobs in one transaction (all or none): batched pull events. */
  appendBatch(entries: readonly { event: WharfEvent; jobs: NewJob[] }[]): Promise<void>;
  get(id: string): Promise<WharfEvent | undefined>;
  /** Newest first (occurredAt, then id), filtered; an unknown `before` cursor yields an empty page. */
  query(q: EventQuery): Promise<WharfEvent[]>;
  /** Retention: deletes events that occurred before `before`. Returns how many. */
  purgeEventsBefore(before: Date): Promise<number>;
}

export type WebhookFormat = 'harbor' | 'cloudevents';

export interface WebhookRecord {
  id: number;
  project: string;
  url: string;
  /** The HMAC key; sensitive. Only the service's create() result ever shows it to a caller. */
  secret: string;
  /** Empty: every event type. */
  eventTypes: EventType[];
  format: WebhookFormat;
  enabled: boolean;
  createdAt: Date;
}

export type DeliveryStatus = 'pending' | 'success' | 'failed';

export interface DeliveryRecord {
  id: number;
  webhookId: number;
  eventId: string;
  /** 1 for the first try. */
  attempt: number;
  status: DeliveryStatus;
  responseStatus: number | null;
  error: string | null;
  durationMs: number | null;
  createdAt: Date;
}

export interface WebhookStore {
  create(w: Omit<WebhookRecord, 'id' | 'createdAt'>): Promise<WebhookRecord>;
  get(id: number): Promise<WebhookRecord | undefined>;
  /** A project's webhooks, by id. */
  list(project: string): Promise<WebhookRecord[]>;
  update(
    id: number,
    patch: Partial<Pick<WebhookRecord, 'url' | 'secret' | 'eventTypes' | 'format' | 'enabled'>>,
  ): Promise<WebhookRecord | undefined>;
  /** Deletes the webhook and its delivery history. Returns false when absent. */
  delete(id: number): Promise<boolean>;
  /** Records the start of a delivery attempt (status pending); returns its id. */
  startDelivery(d: { webhookId: number; eventId: string; attempt: number }): Promise<number>;
  finishDelivery(
    id: number,
    result: {
      status: 'success' | 'failed';
      responseStatus: number | null;
      error: string | null;
      durationMs: number;
    },
  ): Promise<void>;
  /** Newest first; `before` is the last id of the previous page. */
  deliveries(webhookId: number, page: { before?: number; limit: number }): Promise<DeliveryRecord[]>;
}

/** queued: due at runAfter; failed: an attempt failed, retried at runAfter; dead: out of attempts. */
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'dead';

export interface NewJob {
  kind: string;
  payload: unknown;
  /** At most one job with this key ever exists (until finished jobs are purged): enqueueing again is a no-op. */
  uniqueKey?: string;
  /** Default 5. */
  maxAttempts?: number;
  /** Default now. */
  runAfter?: Date;
}

export interface JobRecord {
  id: number;
  kind: string;
  payload: unknown;
  uniqueKey: string | null;
  /** Attempts started so far, including the running one. */
  attempts: number;
  maxAttempts: number;
  runAfter: Date;
  leaseUntil: Date | null;
  leaseOwner: string | null;
  status: JobStatus;
  lastError: string | null;
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export interface JobStore {
  /** Returns the job's id; `created` is false when a job with the same unique key already existed. */
  enqueue(job: NewJob): Promise<{ id: number; created: boolean }>;
  /**
   * Atomically takes the oldest due job of one of `kinds` (queued or failed with runAfter <= now, or
   * running with an expired lease), marks it running for `owner` until now + leaseMs and counts the
   * attempt. Two claimers never get the same job while its lease holds (SKIP LOCKED on PostgreSQL;
   * one UPDATE … RETURNING statement on SQLite, whose writes are serialised).
   */
  claim(kinds: readonly string[], owner: string, leaseMs: number): Promise<JobRecord | undefined>;
  /** Pushes the lease of a running job on; false when `owner` no longer holds it. */
  extendLease(id: number, owner: string, leaseMs: number): Promise<boolean>;
  /** running → done; false when `owner` no longer holds the lease (the job was re-claimed). */
  complete(id: number, owner: string, result: unknown): Promise<boolean>;
  /** running → failed (retried at `retryAt`) or, with retryAt null, dead. False when the lease was lost. */
  fail(id: number, owner: string, error: string, retryAt: Date | null): Promise<boolean>;
  get(id: number): Promise<JobRecord | undefined>;
  /** Deletes done and dead jobs last updated before `before` (freeing their unique keys). */
  purgeFinishedBefore(before: Date): Promise<number>;
}
