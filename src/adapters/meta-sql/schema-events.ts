import type { Generated } from 'kysely';

/**
 * Kysely table types of the events aggregate (migration in migrations/0003-events.ts). Timestamps
 * are epoch milliseconds; JSON columns are text; booleans are 0/1 integers on both dialects.
 */
export interface EventTables {
  events: EventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  jobs: JobsTable;
}

/** The audit log and the outbox in one. */
export interface EventsTable {
  id: string;
  type: string;
  occurred_at: number;
  actor: string;
  actor_kind: string;
  client_ip: string;
  project: string | null;
  repository: string | null;
  digest: string | null;
  tag: string | null;
  media_type: string | null;
  outcome: string;
  detail: string | null;
}

export interface WebhooksTable {
  id: Generated<number>;
  project: string;
  url: string;
  secret: string;
  /** JSON array of event type names; [] means all. */
  event_types: string;
  format: string;
  enabled: number;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  event_id: string;
  attempt: number;
  status: string;
  response_status: number | null;
  error: string | null;
  duration_ms: number | null;
  created_at: number;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload: string;
  unique_key: string | null;
  attempts: number;
  max_attempts: number;
  run_after: number;
  lease_until: number | null;
  lease_owner: string | null;
  status: string;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
}
