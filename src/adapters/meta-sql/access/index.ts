import type { Kysely } from 'kysely';
import type { AccessStore } from '../../../ports/access-store.js';
import type { Database, SqlDialect } from '../schema.js';

export class SqlAccessStore implements AccessStore {
  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly dialect: SqlDialect,
  ) {}
}
