import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests create their databases on (trust auth in CI and on the dev box). */
export const TEST_PG_URL = process.env.WHARF_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Set WHARF_REQUIRE_POSTGRES=1 (CI) to fail instead of skipping when PostgreSQL is down. */
const REQUIRED = process.env.WHARF_REQUIRE_POSTGRES === '1';

export interface TestDatabase {
  /** Connection URL of a fresh, empty database. */
  url: string;
  /** Drops the database, terminating any connection still open on it. Idempotent. */
  drop: () => Promise<void>;
}

/** TEST_PG_URL without credentials, for messages. */
export function testServerLabel(): string {
  try {
    const u = new URL(TEST_PG_URL);
    return `${u.host}${u.pathname}`;
  } catch {
    return TEST_PG_URL;
  }
}

/** The visible notice printed when a PostgreSQL suite is skipped. */
export function postgresNotice(suite = 'PostgreSQL suite'): string {
  return `\n*** PostgreSQL not reachable at ${testServerLabel()}: skipping ${suite} (set WHARF_REQUIRE_POSTGRES=1 to fail instead) ***\n`;
}

export function warnPostgresSkipped(suite?: string): void {
  console.warn(postgresNotice(suite));
}

async function connectAdmin(): Promise<pg.Client | undefined> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    if (REQUIRED)
      throw new Error(`PostgreSQL is required but not reachable at ${testServerLabel()}`, { cause: err });
    return undefined;
  }
}

/**
 * Prefers an ICU en-US collation: it sorts '_x' before 'Z', unlike byte order, so a query that
 * forgets the "C" collation fails the ordering tests. Falls back to the server's default.
 */
async function createDatabase(admin: pg.Client, name: string): Promise<void> {
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`);
  } catch {
    await admin.query(`CREATE DATABASE "${name}"`);
  }
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A fresh, uniquely named database on the test server; undefined when PostgreSQL is unreachable. */
export async function createTestDatabase(): Promise<TestDatabase | undefined> {
  const admin = await connectAdmin();
  if (!admin) return undefined;
  const name = `wharf_t_${randomBytes(8).toString('hex')}`;
  try {
    await createDatabase(admin, name);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop: () => {
      dropping ??= dropDatabase(name);
      return dropping;
    },
  };
}
