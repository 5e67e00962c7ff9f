import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { PREPARED_MARK } from './prepared.js';
import type { Database } from './schema.js';

type GetTypeParser = NonNullable<pg.ClientConfig['types']>['getTypeParser'];

/** int8 (timestamps in ms, sizes, counts) as JS numbers: every value stored fits in 2^53. */
const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8 && format !== 'binary'
    ? (value: string) => Number(value)
    : pg.types.getTypeParser(oid, format)) as GetTypeParser;

/**
 * Runs queries marked by PreparedQuery as named statements: pg parses them once per connection and
 * PostgreSQL stops re-planning them (about half the latency of a hot lookup). Everything else is
 * passed through unchanged.
 */
function withNamedStatements(client: pg.PoolClient): PostgresPoolClient {
  const query = (sqlOrCursor: string | pg.Submittable, parameters: unknown[] = []) => {
    if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor); // streaming cursor
    const name = PREPARED_MARK.exec(sqlOrCursor)?.[1];
    if (name === undefined) return client.query(sqlOrCursor, parameters);
    return client.query({ name: `wharf_${name}`, text: sqlOrCursor, values: parameters });
  };
  return { query: query as unknown as PostgresPoolClient['query'], release: () => client.release() };
}

function namingPool(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => withNamedStatements(await pool.connect()),
    end: () => pool.end(),
  };
}

/** A pooled PostgreSQL connection for the metadata store; the int8 parser is per pool, not global. */
export function openPostgres(url: string, log: (msg: string) => void): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    application_name: 'wharf',
    types: { getTypeParser },
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (err) => log(`postgres: idle connection error: ${err.message}`));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pool) }) });
}

/** The URL without credentials, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'postgres://…';
  }
}
