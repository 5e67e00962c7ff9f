import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { FsBlobStore } from '../../src/adapters/blob-fs/index.js';
import { migrateToLatest } from '../../src/adapters/meta-sql/migrate.js';
import { SqlMetaStore } from '../../src/adapters/meta-sql/sql-meta-store.js';
import { openSqlite } from '../../src/adapters/meta-sql/sqlite.js';
import { SqlUsageStore } from '../../src/adapters/meta-sql/usage.js';
import { type AppDeps, buildApp } from '../../src/app.js';
import { openGuard } from '../../src/http/distribution/guard.js';
import type { Admission } from '../../src/services/registry/index.js';
import { createRegistry } from '../../src/services/registry/index.js';

export interface PolicyServer {
  url: string;
  usage: SqlUsageStore;
  close(): Promise<void>;
}

/**
 * A real registry on 127.0.0.1 (SQLite, filesystem blobs, no auth) composed the way server.ts does
 * it, with the policy pieces under test plugged in where the lead wires them.
 */
export async function startPolicyServer(opts: {
  admission?: (deps: { usage: SqlUsageStore; meta: SqlMetaStore }) => Admission;
  beforePull?: AppDeps['beforePull'];
}): Promise<PolicyServer> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-policy-'));
  const blobs = new FsBlobStore({ root: dir });
  await blobs.init();
  const db = openSqlite(join(dir, 'wharf.db'), () => {});
  await migrateToLatest(db, 'sqlite');
  const meta = new SqlMetaStore(db, 'sqlite');
  const usage = new SqlUsageStore(db);
  const registry = createRegistry({
    blobs,
    meta,
    maxManifestBytes: 4 * 1024 * 1024,
    manifestCacheTtlMs: 1000,
    manifestCacheEntries: 100,
    ...(opts.admission ? { admission: opts.admission({ usage, meta }) } : {}),
  });
  const { app } = await buildApp({
    registry,
    logger: pino({ level: process.env.WHARF_TEST_LOG ?? 'silent' }),
    maxManifestBytes: 4 * 1024 * 1024,
    guard: openGuard,
    ...(opts.beforePull ? { beforePull: opts.beforePull } : {}),
    ready: () => meta.ping(),
    uploadsInProgress: () => meta.uploads.count(),
    storageUsedBytes: () => meta.blobs.totalBytes(),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    usage,
    async close() {
      await app.close();
      await meta.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
