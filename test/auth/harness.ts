import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { FsBlobStore } from '../../src/adapters/blob-fs/index.js';
import { openMetaStore } from '../../src/adapters/meta-sql/index.js';
import { buildApp } from '../../src/app.js';
import { createV2Guard, type LoginFailure } from '../../src/http/auth/index.js';
import { tokenRoutes } from '../../src/http/token/index.js';
import type { AccessStore, SigningKeyRecord } from '../../src/ports/access-store.js';
import { AccessService } from '../../src/services/access/index.js';
import { createRegistry } from '../../src/services/registry/index.js';
import { TokenService } from '../../src/services/tokens/index.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { Dialect } from '../helpers/server.js';

export const SERVICE = 'wharf';

export interface AuthServer {
  url: string;
  /** The real access service on this server's database, for seeding users, projects and robots. */
  access: AccessService;
  /** The signing keys this server's tokens use (for tests that sign their own). */
  signingKeys: AccessStore['signingKeys'];
  /** The metadata database, for a second replica to share. */
  databaseUrl: string;
  tokens: TokenService;
  loginFailures: LoginFailure[];
  close(): Promise<void>;
}

export interface AuthServerOptions {
  dialect?: Dialect;
  /** An existing database (another replica's); its owner drops it. */
  databaseUrl?: string;
  /** Where signing keys live; default: the SQL store's. */
  signingKeys?: AccessStore['signingKeys'];
  ttlSeconds?: number;
  externalUrl?: string;
}

/** An in-memory `signingKeys`, shared by the replicas a test starts. */
export function memorySigningKeys(): AccessStore['signingKeys'] {
  const rows: SigningKeyRecord[] = [];
  return {
    add: async (k) => void rows.push({ ...k }),
    list: async () => [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()),
    retire: async (kid, at) => {
      for (const r of rows) if (r.kid === kid) r.retiredAt = at;
    },
  };
}

/**
 * A real registry on 127.0.0.1 with token auth, composed from the real pieces the way server.ts
 * will wire them: SQL metadata, filesystem blobs, the access service, the /v2 guard and the token
 * endpoint.
 */
export async function startAuthServer(opts: AuthServerOptions): Promise<AuthServer> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-auth-'));
  const pg = opts.dialect === 'postgres' && !opts.databaseUrl ? await createTestDatabase() : undefined;
  const databaseUrl = opts.databaseUrl ?? pg?.url ?? `sqlite:${join(dir, 'wharf.db')}`;
  const meta = await openMetaStore(databaseUrl);
  const blobs = new FsBlobStore({ root: dir });
  await blobs.init();
  const registry = createRegistry({
    blobs,
    meta,
    maxManifestBytes: 4 * 1024 * 1024,
    manifestCacheTtlMs: 1000,
    manifestCacheEntries: 100,
  });
  const signingKeys = opts.signingKeys ?? meta.access.signingKeys;
  const tokens = new TokenService({
    signingKeys,
    issuer: 'wharf',
    ttlSeconds: opts.ttlSeconds ?? 300,
  });
  await tokens.start();
  const access = new AccessService({ store: meta.access });
  const loginFailures: LoginFailure[] = [];
  const onLoginFailure = (f: LoginFailure) => loginFailures.push(f);
  const externalUrl = opts.externalUrl ? { externalUrl: opts.externalUrl } : {};
  const guard = createV2Guard({
    access: access,
    tokens,
    service: SERVICE,
    onLoginFailure,
    ...externalUrl,
  });
  const token = async (app: FastifyInstance) =>
    tokenRoutes(app, { access: access, tokens, service: SERVICE, onLoginFailure });
  const { app } = await buildApp({
    registry,
    logger: pino({ level: process.env.WHARF_TEST_LOG ?? 'silent' }),
    maxManifestBytes: 4 * 1024 * 1024,
    guard,
    plugins: [token],
    ready: () => meta.ping(),
    uploadsInProgress: () => meta.uploads.count(),
    storageUsedBytes: () => meta.blobs.totalBytes(),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    access,
    signingKeys,
    databaseUrl,
    tokens,
    loginFailures,
    async close() {
      await app.close();
      await meta.close();
      await pg?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
