import type { Kysely } from 'kysely';
import type { MetaStore } from '../../ports/meta-store.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { SqlMetaStore } from './sql-meta-store.js';

export { SqlMetaStore } from './sql-meta-store.js';

/** Kept here, not imported from sqlite.ts, so parsing a URL loads no driver. */
const SQLITE_MEMORY = ':memory:';

export type DatabaseTarget = { dialect: 'postgres'; url: string } | { dialect: 'sqlite'; path: string };

/**
 * `postgres://…` and `postgresql://…` are PostgreSQL; `sqlite:/abs/path.db`, `sqlite:///abs/path.db`,
 * `sqlite::memory:` and a plain file path are SQLite.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  const rest = url.replace(/^sqlite:/i, '');
  if (rest === SQLITE_MEMORY) return { dialect: 'sqlite', path: SQLITE_MEMORY };
  const path = rest.startsWith('///') ? rest.slice(2) : rest;
  if (path === '') throw new Error(`invalid database URL '${url}': no SQLite file path`);
  return { dialect: 'sqlite', path };
}

/** Opens the metadata store named by `url` and migrates its schema to the latest version. */
export async function openMetaStore(
  url: string,
  options: { log?: (msg: string) => void } = {},
): Promise<MetaStore> {
  const log = options.log ?? (() => {});
  const target = parseDatabaseUrl(url);
  let db: Kysely<Database>;
  // Drivers load lazily: an embedded registry never pays for pg, a PostgreSQL one never for SQLite.
  if (target.dialect === 'postgres') {
    const { openPostgres, redactUrl } = await import('./postgres.js');
    db = openPostgres(target.url, log);
    log(`metadata: postgres at ${redactUrl(target.url)}`);
  } else {
    const { openSqlite } = await import('./sqlite.js');
    db = openSqlite(target.path, log);
    log(`metadata: sqlite at ${target.path}`);
  }
  try {
    await migrateToLatest(db, target.dialect, log);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new SqlMetaStore(db, target.dialect);
}
