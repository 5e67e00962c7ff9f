import type { Migration } from 'kysely';
import type { SqlDialect } from '../schema.js';

/** Events (outbox and audit log), webhooks and their deliveries, jobs. */
export function eventsMigration(_dialect: SqlDialect): Migration {
  return { async up() {} };
}
