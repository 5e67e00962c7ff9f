import type { Kysely } from 'kysely';
import type { EventStore } from '../../../ports/event-store.js';
import type { Database, SqlDialect } from '../schema.js';

export class SqlEventStore implements EventStore {
  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly dialect: SqlDialect,
  ) {}
}
