import type { Kysely } from 'kysely';
import type { EventStore } from '../../../ports/event-store.js';
import type { Database, SqlDialect } from '../schema.js';
import { SqlJobStore } from './jobs.js';
import { SqlEventLogStore } from './log.js';
import { SqlWebhookStore } from './webhooks.js';

/** Events (audit log and outbox), webhooks and deliveries, jobs: one aggregate, three stores. */
export class SqlEventStore implements EventStore {
  readonly log: SqlEventLogStore;
  readonly webhooks: SqlWebhookStore;
  readonly jobs: SqlJobStore;

  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly dialect: SqlDialect,
  ) {
    this.log = new SqlEventLogStore(db);
    this.webhooks = new SqlWebhookStore(db);
    this.jobs = new SqlJobStore(db, dialect);
  }
}
