import type { Kysely } from 'kysely';
import type { AccessStore } from '../../../ports/access-store.js';
import type { Database, SqlDialect } from '../schema.js';
import { SqlMembers } from './members.js';
import { SqlProjects } from './projects.js';
import { SqlRobots } from './robots.js';
import { SqlSigningKeys } from './signing-keys.js';
import { SqlUsers } from './users.js';

/**
 * The access aggregate over Kysely: the same queries on SQLite and PostgreSQL (the dialect only
 * shapes the schema). Duplicates are detected with `on conflict do nothing`, so a ConflictError
 * never leaves a failed statement behind (which would abort a PostgreSQL transaction).
 */
export class SqlAccessStore implements AccessStore {
  readonly projects: SqlProjects;
  readonly users: SqlUsers;
  readonly members: SqlMembers;
  readonly robots: SqlRobots;
  readonly signingKeys: SqlSigningKeys;

  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly dialect: SqlDialect,
  ) {
    this.projects = new SqlProjects(db);
    this.users = new SqlUsers(db);
    this.members = new SqlMembers(db);
    this.robots = new SqlRobots(db);
    this.signingKeys = new SqlSigningKeys(db);
  }
}
