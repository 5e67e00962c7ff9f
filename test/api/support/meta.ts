import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest } from '../../../src/adapters/meta-sql/migrate.js';
import { SqlMetaStore } from '../../../src/adapters/meta-sql/sql-meta-store.js';
import type { Digest } from '../../../src/oci/digest.js';
import { ManifestService } from '../../../src/services/registry/index.js';
import type { TestArtifact } from '../../helpers/images.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import type { Dialect } from '../../helpers/server.js';

export interface OpenedMeta {
  meta: SqlMetaStore;
  /** Stores an artifact as a push would (blobs recorded and linked, children first, then the manifest). */
  push(repo: string, ref: string, a: TestArtifact): Promise<void>;
  close(): Promise<void>;
}

/** A migrated metadata store on a temp SQLite file or a fresh PostgreSQL database. */
export async function openTestMeta(dialect: Dialect): Promise<OpenedMeta> {
  let meta: SqlMetaStore;
  let remove: () => Promise<void>;
  if (dialect === 'sqlite') {
    const { openSqlite } = await import('../../../src/adapters/meta-sql/sqlite.js');
    const dir = await mkdtemp(join(tmpdir(), 'wharf-api-meta-'));
    const db = openSqlite(join(dir, 'w.db'), () => {});
    await migrateToLatest(db, 'sqlite');
    meta = new SqlMetaStore(db, 'sqlite');
    remove = () => rm(dir, { recursive: true, force: true });
  } else {
    const { openPostgres } = await import('../../../src/adapters/meta-sql/postgres.js');
    const target = await createTestDatabase();
    if (!target) throw new Error('PostgreSQL is not reachable');
    const db = openPostgres(target.url, () => {});
    await migrateToLatest(db, 'postgres');
    meta = new SqlMetaStore(db, 'postgres');
    remove = target.drop;
  }
  const manifests = new ManifestService({ meta, maxManifestBytes: 4 << 20, cacheTtlMs: 0, cacheEntries: 1 });
  return {
    meta,
    async push(repo, ref, a) {
      const r = await meta.repos.ensure(repo);
      for (const b of a.blobs) {
        await meta.blobs.record(b.descriptor.digest as Digest, b.bytes.length);
        await meta.blobs.link(r.id, b.descriptor.digest as Digest);
      }
      const children = a.kind === 'index' ? a.children.map((c) => c.manifest) : [];
      for (const c of children)
        await manifests.put(repo, c.descriptor.digest, c.descriptor.mediaType, c.bytes);
      await manifests.put(repo, ref, a.manifest.descriptor.mediaType, a.manifest.bytes);
    },
    async close() {
      await meta.close();
      await remove();
    },
  };
}
