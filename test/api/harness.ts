import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { FsBlobStore } from '../../src/adapters/blob-fs/index.js';
import { openMetaStore } from '../../src/adapters/meta-sql/index.js';
import { buildApp } from '../../src/app.js';
import { RegistryClient } from '../../src/client/index.js';
import type { ManagementAccess } from '../../src/http/api/access.js';
import { managementApi } from '../../src/http/api/index.js';
import { openGuard } from '../../src/http/distribution/guard.js';
import type { MetaStore } from '../../src/ports/meta-store.js';
import { createRegistry } from '../../src/services/registry/index.js';
import type { TestArtifact } from '../helpers/images.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { pushArtifact } from '../helpers/push.js';
import type { Dialect } from '../helpers/server.js';

export interface ApiServer {
  url: string;
  meta: MetaStore;
  /** Pushes through /v2 (open to everyone in this harness: the API is what is under test). */
  push(repo: string, ref: string, a: TestArtifact): Promise<void>;
  /** A request to the API with the given user's Basic credentials (none for anonymous). */
  call(
    path: string,
    init?: { method?: string; body?: unknown; as?: [string, string] | null },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** Every API request the tests made (method, path without query, status): the coverage check reads it. */
export const recorded: { method: string; path: string; status: number }[] = [];

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * A real Wharf app on 127.0.0.1:0 composed as server.ts does (SQL metadata, filesystem blobs, the
 * registry, buildApp) with the management API in `plugins`, exactly as the lead wires it.
 */
export async function startApiServer(opts: {
  access: ManagementAccess;
  dialect?: Dialect;
  defaultAs?: [string, string];
}): Promise<ApiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-api-'));
  const pg = opts.dialect === 'postgres' ? await createTestDatabase() : undefined;
  if (opts.dialect === 'postgres' && !pg) throw new Error('PostgreSQL is not reachable');
  const meta = await openMetaStore(pg?.url ?? `sqlite:${join(dir, 'wharf.db')}`);
  const blobs = new FsBlobStore({ root: dir });
  await blobs.init();
  const registry = createRegistry({
    blobs,
    meta,
    maxManifestBytes: 4 * 1024 * 1024,
    manifestCacheTtlMs: 1000,
    manifestCacheEntries: 100,
  });
  const { app } = await buildApp({
    registry,
    logger: pino({ level: process.env.WHARF_TEST_LOG ?? 'silent' }),
    maxManifestBytes: 4 * 1024 * 1024,
    guard: openGuard,
    plugins: [managementApi({ access: opts.access, catalog: meta.catalog, registry, version: 'test' })],
    ready: () => meta.ping(),
    uploadsInProgress: () => meta.uploads.count(),
    storageUsedBytes: () => meta.blobs.totalBytes(),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new RegistryClient({ registry: new URL(url).host });
  return {
    url,
    meta,
    push: (repo, ref, a) => pushArtifact(client, repo, ref, a),
    async call(path, init = {}) {
      const as = init.as === undefined ? opts.defaultAs : init.as;
      const headers: Record<string, string> = {};
      if (as) headers.authorization = basic(...as);
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const method = init.method ?? 'GET';
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      recorded.push({ method, path: `/api/v1${path.split('?')[0] ?? ''}`, status: res.status });
      return res;
    },
    async close() {
      await app.close();
      await meta.close();
      await pg?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
