import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, warnPostgresSkipped } from '../../../test/helpers/postgres.js';
import { metaStoreSuite } from '../../../test/suites/meta-store-suite.js';
import type { Digest } from '../../oci/digest.js';
import { openMetaStore, parseDatabaseUrl } from './index.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

const REF_COUNT = 'select count(*) as n from manifest_refs where repo_id = $1 and manifest_digest = $2';

async function sqliteRefCount(path: string, repoId: number, digest: Digest): Promise<number> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const row = db.prepare(REF_COUNT.replace('$1', '?').replace('$2', '?')).get(repoId, digest) as {
      n: number;
    };
    return row.n;
  } finally {
    db.close();
  }
}

async function postgresRefCount(url: string, repoId: number, digest: Digest): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(REF_COUNT, [repoId, digest]);
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

metaStoreSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-meta-'));
  const path = join(dir, 'nested', 'wharf.db');
  const meta = await openMetaStore(`sqlite:${path}`);
  return {
    meta,
    reopen: () => openMetaStore(path),
    refCount: (repoId, digest) => sqliteRefCount(path, repoId, digest),
    async cleanup() {
      await meta.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite specifics', () => {
  it('uses WAL and an in-memory database works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wharf-meta-'));
    try {
      const meta = await openMetaStore(join(dir, 'w.db'));
      await meta.ping();
      await meta.close();
      const raw = new BetterSqlite3(join(dir, 'w.db'), { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const mem = await openMetaStore('sqlite::memory:');
    expect(mem.dialect).toBe('sqlite');
    await mem.repos.ensure('x');
    expect(await mem.repos.list({ n: 5 })).toEqual(['x']);
    await mem.close();
  });
});

describe('PreparedQuery', () => {
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
  });
  afterAll(() => db.destroy());

  it('refuses a builder that does not use its parameters once each, in order', () => {
    const repo = (a = '', b = '') =>
      db.selectFrom('repositories').select('id').where('name', '=', a).where('name', '!=', b);
    expect(() => new PreparedQuery('swapped', 2, (a, b) => repo(b, a))).toThrow(/in order/);
    expect(() => new PreparedQuery('unused', 2, (a) => repo(a, 'x'))).toThrow(/in order/);
    expect(() => new PreparedQuery('Bad-Name', 2, repo)).toThrow();
    expect(() => new PreparedQuery('fine', 2, repo)).not.toThrow();
  });
});

describe('parseDatabaseUrl', () => {
  it('tells the dialect from the URL', () => {
    expect(parseDatabaseUrl('postgres://u:p@h:5432/db')).toEqual({
      dialect: 'postgres',
      url: 'postgres://u:p@h:5432/db',
    });
    expect(parseDatabaseUrl('postgresql://h/db').dialect).toBe('postgres');
    expect(parseDatabaseUrl('sqlite:/abs/w.db')).toEqual({ dialect: 'sqlite', path: '/abs/w.db' });
    expect(parseDatabaseUrl('sqlite:///abs/w.db')).toEqual({ dialect: 'sqlite', path: '/abs/w.db' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl('/data/wharf.db')).toEqual({ dialect: 'sqlite', path: '/data/wharf.db' });
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/no SQLite file path/);
  });
});

const probe = await createTestDatabase();
if (!probe) warnPostgresSkipped('the PostgreSQL MetaStore suite');
afterAll(async () => {
  await probe?.drop();
});

describe.skipIf(!probe)('postgres', () => {
  metaStoreSuite('postgres', async () => {
    const db = await createTestDatabase();
    if (!db) throw new Error('PostgreSQL went away');
    const meta = await openMetaStore(db.url);
    return {
      meta,
      reopen: () => openMetaStore(db.url),
      refCount: (repoId, digest) => postgresRefCount(db.url, repoId, digest),
      async cleanup() {
        await meta.close();
        await db.drop();
      },
    };
  });

  it('several processes may migrate a fresh database at once', async () => {
    if (!probe) return;
    const stores = await Promise.all(Array.from({ length: 4 }, () => openMetaStore(probe.url)));
    try {
      expect(stores.every((s) => s.dialect === 'postgres')).toBe(true);
      await stores[0]?.repos.ensure('shared');
      expect(await stores[3]?.repos.list({ n: 10 })).toEqual(['shared']);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
