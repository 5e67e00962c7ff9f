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
import { readCredentials } from '../../src/http/auth/credentials.js';
import type { V2Guard } from '../../src/http/distribution/guard.js';
import { RegistryError } from '../../src/oci/errors.js';
import type { MetaStore } from '../../src/ports/meta-store.js';
import { createEventing, type Eventing, type EventingOptions } from '../../src/services/events/index.js';
import { createRegistry } from '../../src/services/registry/index.js';
import type { TestArtifact } from '../helpers/images.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { pushArtifact } from '../helpers/push.js';
import type { Dialect } from '../helpers/server.js';

export interface ApiServer {
  url: string;
  meta: MetaStore;
  /** Present when started with `events`: the eventing the registry and the API were composed with. */
  eventing?: Eventing;
  /**
   * Pushes through /v2, anonymously or as `as` (the audit log's actor). /v2 is open to everyone in
   * this harness: the API is what is under test.
   */
  push(repo: string, ref: string, a: TestArtifact, as?: [string, string]): Promise<void>;
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

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="wharf-test"' };

/**
 * /v2 for the harness: everything is allowed to everyone, but a Basic header names the caller
 * (checked by the access service) and `GET /v2/` asks anonymous callers to log in, as registries
 * do, so that a client with credentials sends them.
 */
function namingGuard(access: ManagementAccess): V2Guard {
  return {
    async authenticate(req) {
      const creds = readCredentials(req.headers.authorization);
      if (creds.scheme !== 'basic') return { kind: 'anonymous' };
      const principal = await access.authenticate(creds.username, creds.password);
      if (!principal) throw new RegistryError('UNAUTHORIZED', 'invalid credentials', { headers: CHALLENGE });
      return principal;
    },
    async authorize(principal, match) {
      if (match.kind === 'base' && principal.kind === 'anonymous')
        throw new RegistryError('UNAUTHORIZED', 'log in', { headers: CHALLENGE });
      return { mountAllowed: true };
    },
    catalogFilter: async () => () => true,
  };
}

/**
 * A real Wharf app on 127.0.0.1:0 composed as server.ts does (SQL metadata, filesystem blobs, the
 * registry, buildApp) with the management API in `plugins`, exactly as the lead wires it. With
 * `events`, the registry is decorated by `createEventing` (started after listen, stopped before the
 * store closes), the API gets `events` and refused API logins become LOGIN_FAILED events.
 */
export async function startApiServer(opts: {
  access: ManagementAccess;
  dialect?: Dialect;
  defaultAs?: [string, string];
  events?: Omit<EventingOptions, 'meta'>;
}): Promise<ApiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-api-'));
  const pg = opts.dialect === 'postgres' ? await createTestDatabase() : undefined;
  if (opts.dialect === 'postgres' && !pg) throw new Error('PostgreSQL is not reachable');
  const meta = await openMetaStore(pg?.url ?? `sqlite:${join(dir, 'wharf.db')}`);
  const blobs = new FsBlobStore({ root: dir });
  await blobs.init();
  const plain = createRegistry({
    blobs,
    meta,
    maxManifestBytes: 4 * 1024 * 1024,
    manifestCacheTtlMs: 1000,
    manifestCacheEntries: 100,
  });
  const eventing = opts.events ? createEventing({ meta, ...opts.events }) : undefined;
  const registry = eventing ? eventing.decorate(plain) : plain;
  const api = managementApi({
    access: opts.access,
    catalog: meta.catalog,
    registry,
    version: 'test',
    ...(eventing ? { events: eventing, onLoginFailure: eventing.loginFailed } : {}),
  });
  const { app } = await buildApp({
    registry,
    logger: pino({ level: process.env.WHARF_TEST_LOG ?? 'silent' }),
    maxManifestBytes: 4 * 1024 * 1024,
    guard: namingGuard(opts.access),
    plugins: [api],
    ready: () => meta.ping(),
    uploadsInProgress: () => meta.uploads.count(),
    storageUsedBytes: () => meta.blobs.totalBytes(),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  eventing?.start();
  const registryHost = new URL(url).host;
  const anonymous = new RegistryClient({ registry: registryHost });
  const clients = new Map<string, Promise<RegistryClient>>();
  const clientOf = (as: [string, string] | undefined): Promise<RegistryClient> => {
    if (!as) return Promise.resolve(anonymous);
    const key = as.join(':');
    let client = clients.get(key);
    if (!client) {
      const c = new RegistryClient({
        registry: registryHost,
        credentials: { username: as[0], password: as[1] },
      });
      client = c.ping().then(() => c);
      clients.set(key, client);
    }
    return client;
  };
  return {
    url,
    meta,
    ...(eventing ? { eventing } : {}),
    push: async (repo, ref, a, as) => pushArtifact(await clientOf(as), repo, ref, a),
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
      await eventing?.stop();
      await meta.close();
      await pg?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
