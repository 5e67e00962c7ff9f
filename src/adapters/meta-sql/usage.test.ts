import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, warnPostgresSkipped } from '../../../test/helpers/postgres.js';
import { type Digest, digestOf } from '../../oci/digest.js';
import type { MetaStore } from '../../ports/meta-store.js';
import { migrateToLatest } from './migrate.js';
import type { Database, SqlDialect } from './schema.js';
import { SqlMetaStore } from './sql-meta-store.js';
import { SqlUsageStore } from './usage.js';

interface Opened {
  db: Kysely<Database>;
  meta: MetaStore;
  usage: SqlUsageStore;
  cleanup: () => Promise<void>;
}

async function openSqliteStores(): Promise<Opened> {
  const { openSqlite } = await import('./sqlite.js');
  const dir = await mkdtemp(join(tmpdir(), 'wharf-usage-'));
  const db = openSqlite(join(dir, 'w.db'), () => {});
  return withStores(db, 'sqlite', () => rm(dir, { recursive: true, force: true }));
}

async function openPostgresStores(): Promise<Opened> {
  const { openPostgres } = await import('./postgres.js');
  const target = await createTestDatabase();
  if (!target) throw new Error('PostgreSQL went away');
  return withStores(
    openPostgres(target.url, () => {}),
    'postgres',
    target.drop,
  );
}

async function withStores(db: Kysely<Database>, dialect: SqlDialect, remove: () => Promise<void>) {
  await migrateToLatest(db, dialect);
  const meta = new SqlMetaStore(db, dialect);
  return {
    db,
    meta,
    usage: new SqlUsageStore(db),
    async cleanup() {
      await meta.close();
      await remove();
    },
  };
}

/** Records a blob of `size` bytes (content is irrelevant to accounting) and returns its digest. */
async function recordBlob(meta: MetaStore, seed: string, size: number): Promise<Digest> {
  const digest = digestOf(Buffer.from(seed));
  await meta.blobs.record(digest, size);
  return digest;
}

async function link(meta: MetaStore, repo: string, digest: Digest): Promise<void> {
  const r = await meta.repos.ensure(repo);
  await meta.blobs.link(r.id, digest);
}

async function putManifest(meta: MetaStore, repo: string, seed: string, refs: Digest[]): Promise<number> {
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, seed }));
  const r = await meta.repos.ensure(repo);
  await meta.manifests.put(
    r.id,
    {
      digest: digestOf(body),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: body.length,
      body,
      artifactType: null,
      subject: null,
      annotations: null,
    },
    refs.map((digest) => ({ digest, kind: 'layer' as const })),
  );
  return body.length;
}

function usageSuite(dialect: SqlDialect, open: () => Promise<Opened>): void {
  describe(`SqlUsageStore on ${dialect}`, () => {
    let s: Opened;
    beforeEach(async () => {
      s = await open();
    });
    afterEach(() => s.cleanup());

    it('counts nothing for an empty or unknown project', async () => {
      expect(await s.usage.projectBytes('nobody')).toBe(0);
      expect(await s.usage.projectHasBlob('nobody', digestOf(Buffer.from('x')))).toBe(false);
    });

    it('counts each distinct blob once across the project, plus its manifests', async () => {
      const a = await recordBlob(s.meta, 'a', 1000);
      const b = await recordBlob(s.meta, 'b', 200);
      await link(s.meta, 'team/api', a);
      await link(s.meta, 'team/api', b);
      await link(s.meta, 'team/web', a); // shared: still 1000 once
      await link(s.meta, 'team/deep/nested/repo', b);
      expect(await s.usage.projectBytes('team')).toBe(1200);
      const m1 = await putManifest(s.meta, 'team/api', 'm1', [a, b]);
      const m2 = await putManifest(s.meta, 'team/web', 'm2', [a]);
      expect(await s.usage.projectBytes('team')).toBe(1200 + m1 + m2);
    });

    it('includes the repository named like the project and nothing outside it', async () => {
      const own = await recordBlob(s.meta, 'own', 7);
      await link(s.meta, 'team', own);
      // Names that share the prefix but are other projects: on both sides of '/' in byte order.
      for (const [i, repo] of ['team-x/a', 'team.x/a', 'team0/a', 'teams/a', 'tea/a', 'teamz'].entries()) {
        await link(s.meta, repo, await recordBlob(s.meta, `other${i}`, 1_000_000));
      }
      await putManifest(s.meta, 'team0/a', 'outside', []);
      expect(await s.usage.projectBytes('team')).toBe(7);
      expect(await s.usage.projectBytes('team-x')).toBe(1_000_000);
    });

    it('counts linked blobs only: recorded but unlinked content costs nothing', async () => {
      const orphan = await recordBlob(s.meta, 'orphan', 500);
      await s.meta.repos.ensure('team/api');
      expect(await s.usage.projectBytes('team')).toBe(0);
      expect(await s.usage.projectHasBlob('team', orphan)).toBe(false);
    });

    it('knows whether a blob is already in the project', async () => {
      const a = await recordBlob(s.meta, 'a', 10);
      await link(s.meta, 'team/api', a);
      await link(s.meta, 'elsewhere/api', await recordBlob(s.meta, 'b', 10));
      expect(await s.usage.projectHasBlob('team', a)).toBe(true);
      expect(await s.usage.projectHasBlob('elsewhere', a)).toBe(false);
      expect(await s.usage.projectHasBlob('tea', a)).toBe(false);
      const r = await s.meta.repos.ensure('team/api');
      await s.meta.blobs.unlink(r.id, a);
      expect(await s.usage.projectHasBlob('team', a)).toBe(false);
      expect(await s.usage.projectBytes('team')).toBe(0);
    });

    if (dialect === 'sqlite') {
      it('finds the project by a range over the unique index on repositories.name', async () => {
        const plan = await sql<{ detail: string }>`explain query plan
          select 1 from repo_blobs join repositories on repositories.id = repo_blobs.repo_id
          where repositories.name = ${'p'} or (repositories.name >= ${'p/'} and repositories.name < ${'p0'})`.execute(
          s.db,
        );
        const details = plan.rows.map((r) => r.detail).join('\n');
        expect(details).toMatch(/repositories USING (COVERING )?INDEX sqlite_autoindex_repositories/);
      });
    }
  });
}

usageSuite('sqlite', openSqliteStores);

const probe = await createTestDatabase();
if (!probe) warnPostgresSkipped('the PostgreSQL usage suite');
afterAll(async () => {
  await probe?.drop();
});
describe.skipIf(!probe)('postgres', () => {
  usageSuite('postgres', openPostgresStores);
});
