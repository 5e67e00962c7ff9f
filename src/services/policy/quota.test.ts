import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../adapters/meta-sql/migrate.js';
import { SqlMetaStore } from '../../adapters/meta-sql/sql-meta-store.js';
import { openSqlite } from '../../adapters/meta-sql/sqlite.js';
import { SqlUsageStore } from '../../adapters/meta-sql/usage.js';
import { type Digest, digestOf } from '../../oci/digest.js';
import { isRegistryError, type RegistryError } from '../../oci/errors.js';
import type { MetaStore } from '../../ports/meta-store.js';
import { projectOf } from './project.js';
import { QuotaPolicy } from './quota.js';

describe('QuotaPolicy over a real SQLite store', () => {
  let dir: string;
  let meta: MetaStore;
  let usage: SqlUsageStore;
  let quotas: Record<string, number | null>;
  let policy: QuotaPolicy;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-quota-'));
    const db = openSqlite(join(dir, 'w.db'), () => {});
    await migrateToLatest(db, 'sqlite');
    meta = new SqlMetaStore(db, 'sqlite');
    usage = new SqlUsageStore(db);
    quotas = { team: 1000 };
    policy = new QuotaPolicy({ usage, quotaFor: async (p) => quotas[p] ?? null });
  });
  afterEach(async () => {
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What the registry does for an upload: record, ask admission, then link. */
  async function push(repo: string, seed: string, size: number): Promise<Digest> {
    const digest = digestOf(Buffer.from(seed));
    await meta.blobs.record(digest, size);
    await policy.beforeLinkBlob(repo, { digest, size });
    await meta.blobs.link((await meta.repos.ensure(repo)).id, digest);
    return digest;
  }

  async function refusal(p: Promise<unknown>): Promise<RegistryError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isRegistryError(err)) throw new Error(`expected a RegistryError, got ${String(err)}`);
    return err;
  }

  it('admits pushes up to the quota exactly, then refuses with DENIED and the numbers', async () => {
    await push('team/api', 'a', 600);
    await push('team/web', 'b', 400); // exactly at quota
    const err = await refusal(push('team/api', 'c', 1));
    expect(err.code).toBe('DENIED');
    expect(err.status).toBe(403);
    expect(err.message).toBe('quota exceeded: project team uses 1000 of 1000 bytes; this push needs 1 more');
    expect(err.detail).toMatchObject({ project: 'team', usedBytes: 1000, quotaBytes: 1000, neededBytes: 1 });
    // The refused blob was not linked: usage is unchanged.
    expect(await usage.projectBytes('team')).toBe(1000);
  });

  it('charges a blob already in the project nothing, even when the project is full', async () => {
    const shared = await push('team/api', 'base-layer', 1000);
    await expect(push('team/other', 'base-layer', 1000)).resolves.toBe(shared);
    expect(await usage.projectBytes('team')).toBe(1000);
  });

  it('charges a blob that exists only in another project in full', async () => {
    quotas.other = 10_000;
    await push('other/app', 'layer', 800);
    await push('team/app', 'layer', 800);
    expect((await refusal(push('team/app2', 'layer2', 300))).message).toContain('uses 800 of 1000 bytes');
  });

  it('charges manifests their size and refuses one over quota', async () => {
    await push('team/api', 'a', 900);
    const digest = digestOf(Buffer.from('m'));
    await expect(policy.beforeManifest('team/api', { digest, size: 100 })).resolves.toBeUndefined();
    const err = await refusal(policy.beforeManifest('team/api', { digest, size: 101 }));
    expect(err.message).toBe('quota exceeded: project team uses 900 of 1000 bytes; this push needs 101 more');
  });

  it('lets a stored manifest be pushed again (a re-tag) when told which are stored', async () => {
    await push('team/api', 'a', 1000);
    const digest = digestOf(Buffer.from('m'));
    const stored = new Set([`team/api@${digest}`]);
    const retag = new QuotaPolicy({
      usage,
      quotaFor: async () => 1000,
      manifestStored: async (repo, d) => stored.has(`${repo}@${d}`),
    });
    await expect(retag.beforeManifest('team/api', { digest, size: 500 })).resolves.toBeUndefined();
    await expect(retag.beforeManifest('team/web', { digest, size: 500 })).rejects.toThrow(/quota exceeded/);
  });

  it('applies to the repository named like the project, and not at all without a quota', async () => {
    await push('team', 'root', 1000);
    await expect(push('team/x', 'more', 1)).rejects.toThrow(/uses 1000 of 1000/);
    await push('free/x', 'big', 10 ** 12);
    quotas.team = null;
    await expect(push('team/x', 'more', 10 ** 12)).resolves.toBeDefined();
  });

  it('a quota lowered below usage refuses new content but not content already there', async () => {
    const a = await push('team/api', 'a', 800);
    quotas.team = 500;
    await expect(push('team/api', 'b', 1)).rejects.toThrow(/uses 800 of 500 bytes; this push needs 1 more/);
    await expect(push('team/web', 'a', 800)).resolves.toBe(a);
  });
});

describe('projectOf', () => {
  it('is the first path segment', () => {
    expect(projectOf('team-payments/api')).toBe('team-payments');
    expect(projectOf('team/a/b')).toBe('team');
    expect(projectOf('solo')).toBe('solo');
  });
});
