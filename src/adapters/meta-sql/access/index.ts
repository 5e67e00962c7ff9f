import type { Kysely } from 'kysely';
import type { AccessStore } from '../../../ports/access-store.js';
import type { Database, SqlDialect } from '../schema.js';

/** Placeholder: the access aggregate's SQL implementation replaces this class. */
export class SqlAccessStore implements AccessStore {
  declare readonly projects: AccessStore['projects'];
  declare readonly users: AccessStore['users'];
  declare readonly members: AccessStore['members'];
  declare readonly robots: AccessStore['robots'];
  declare readonly signingKeys: AccessStore['signingKeys'];

  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly dialect: SqlDialect,
  ) {}
}
