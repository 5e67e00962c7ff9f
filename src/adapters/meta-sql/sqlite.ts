import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import type { Database } from './schema.js';

export const SQLITE_MEMORY = ':memory:';

/**
 * Kysely prepares every query afresh; for a three-table join that costs more than running it.
 * Statements are reusable and Kysely runs one query at a time per connection, so keep the most
 * recently used ones (SQLite re-prepares a cached statement by itself after a schema change).
 */
class StatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly max = 256,
  ) {}

  prepare(sql: string): SqliteStatement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      this.statements.delete(sql); // re-inserted below, as the most recently used
    } else {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= this.max) this.evictOldest();
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  private evictOldest(): void {
    const oldest = this.statements.keys().next();
    if (!oldest.done) this.statements.delete(oldest.value);
  }
}

function applyPragmas(sqlite: BetterSqlite3.Database, path: string, log: (msg: string) => void): void {
  const mode = sqlite.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && path !== SQLITE_MEMORY) log(`sqlite: journal_mode is '${String(mode)}', not 'wal'`);
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
}

/**
 * Opens (creating if needed) a SQLite database for the metadata store. WAL lets reads proceed
 * during a write; synchronous=FULL fsyncs the WAL on every commit, so an acknowledged push
 * survives a crash or power loss.
 */
export function openSqlite(path: string, log: (msg: string) => void): Kysely<Database> {
  if (path !== SQLITE_MEMORY) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  try {
    applyPragmas(sqlite, path, log);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: new StatementCache(sqlite) }) });
}
