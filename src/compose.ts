import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { FsBlobStore } from './adapters/blob-fs/index.js';
import { openMetaStore } from './adapters/meta-sql/index.js';
import { buildApp } from './app.js';
import type { Config } from './config/index.js';
import { managementAccess } from './http/api/access-adapter.js';
import { type ApiAuthenticator, type ManagementAccess, managementApi } from './http/api/index.js';
import { createV2Guard, type LoginFailure } from './http/auth/index.js';
import { openGuard, type V2Guard } from './http/distribution/guard.js';
import type { RouteMatch } from './http/distribution/routes.js';
import { tokenRoutes } from './http/token/index.js';
import { RegistryError } from './oci/errors.js';
import type { MetaStore } from './ports/meta-store.js';
import type { Shared } from './ports/shared.js';
import { AccessService } from './services/access/index.js';
import type { Principal } from './services/access/principal.js';
import { createEventing, type Eventing } from './services/events/index.js';
import {
  autoCreateProjects,
  PullRateLimiter,
  projectOf,
  pullClientKey,
  QuotaPolicy,
} from './services/policy/index.js';
import { BlobService, combineAdmissions, createRegistry, type Registry } from './services/registry/index.js';
import { createSupplyChain, type PullRefusal } from './services/supplychain/index.js';
import { TokenService } from './services/tokens/index.js';

export interface WharfOptions {
  config: Config;
  /** Absolute data directory (blobs, uploads, the SQLite file). */
  dataDir: string;
  log: Logger;
  https?: { cert: Buffer; key: Buffer };
  version?: string;
}

/** Wharf composed: the app (not listening yet) and the services behind it. */
export interface Wharf {
  app: FastifyInstance;
  /** The metadata database in use (`sqlite:…` or `postgres://…`). */
  databaseUrl: string;
  meta: MetaStore;
  registry: Registry;
  access: AccessService;
  eventing: Eventing;
  tokens?: TokenService;
  /** Set on the first start of an authenticating registry without a configured admin password. */
  generatedAdminPassword?: string;
  /** Stops workers and releases the database and shared state. Call after the app has closed. */
  release(): Promise<void>;
}

/** With `auth: none`, the management API treats every caller as a system admin (local experiments). */
const openApi: ApiAuthenticator = async () => ({ kind: 'user', id: 0, name: 'admin', admin: true });

async function openShared(config: Config, log: Logger): Promise<Shared> {
  if (!config.shared.redisUrl) {
    const { MemoryShared } = await import('./adapters/shared-memory/index.js');
    return new MemoryShared();
  }
  const { createRedisShared } = await import('./adapters/shared-redis/index.js');
  return createRedisShared(config.shared.redisUrl, {
    keyPrefix: config.shared.keyPrefix,
    onError: (err) => log.warn({ err }, 'redis connection error'),
  });
}

function pullLimits(
  limiter: PullRateLimiter,
  eventing: Eventing,
): (principal: Principal, match: RouteMatch, clientIp: string) => Promise<void> {
  return async (principal, match, clientIp) => {
    try {
      await limiter.check({ project: projectOf(match.name), clientKey: pullClientKey(principal, clientIp) });
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'TOOMANYREQUESTS') {
        const decision = {
          policy: 'rate-limit',
          action: 'pull',
          repository: match.name,
          reason: err.message,
        };
        void eventing.policyDecision({ ...decision, principal, clientIp });
      }
      throw err;
    }
  };
}

/** A deleted project takes its webhooks along (they live in the events store, not the access one). */
function withProjectCleanup(access: ManagementAccess, eventing: Eventing): ManagementAccess {
  return {
    ...access,
    projects: {
      ...access.projects,
      delete: async (name) => {
        await access.projects.delete(name);
        await eventing.webhooks.deleteProject(name);
      },
    },
  };
}

/**
 * The composition root: config → storage backends → access, events, policy → registry → HTTP app.
 * The only place that names concrete adapters; `startServer` listens, tests may too.
 */
export async function composeWharf(o: WharfOptions): Promise<Wharf> {
  const { config, log } = o;
  const blobs = new FsBlobStore({ root: o.dataDir });
  await blobs.init();
  const databaseUrl = config.database || `sqlite:${join(o.dataDir, 'wharf.db')}`;
  const meta = await openMetaStore(databaseUrl, { log: (msg) => log.info(msg) });
  const shared = await openShared(config, log).catch(async (err: unknown) => {
    await meta.close();
    throw err;
  });
  const access = new AccessService({ store: meta.access, log: (msg) => log.info(msg) });
  const authOn = config.auth !== 'none';
  const admin = authOn ? await access.ensureAdmin({ password: config.adminPassword }) : {};
  const externalHost = config.externalUrl ? new URL(config.externalUrl).host : '';
  const eventing = createEventing({
    meta,
    log,
    retentionDays: config.audit.retentionDays,
    webhooks: { registryHost: externalHost },
  });
  const quota = new QuotaPolicy({
    usage: meta.usage,
    quotaFor: async (project) => (await access.findProject(project))?.quotaBytes ?? null,
    manifestStored: async (repo, digest) => (await meta.manifests.getByDigest(repo, digest)) !== undefined,
  });
  const supplyChain = createSupplyChain({
    meta,
    // Its own small cache of signature layers: the registry's is for what clients pull.
    blobs: new BlobService({ blobs, meta, smallBlobCacheBytes: 8 * 1024 * 1024 }),
    rules: async (project) => (await access.findProject(project))?.supplyChain,
    mayPush: async (principal, repo) =>
      (await access.actionsOn(principal, projectOf(repo))).actions.has('push'),
    onRefused: (r: PullRefusal) =>
      void eventing.policyDecision({
        policy: 'signed-images',
        action: 'pull',
        repository: r.repository,
        reason: r.reason,
        detail: { digest: r.digest, reference: r.reference },
      }),
  });
  const admission = combineAdmissions(autoCreateProjects(access), quota, supplyChain.provenanceAtPush);
  const registry = eventing.decorate(
    supplyChain.track(
      createRegistry({
        blobs,
        meta,
        maxManifestBytes: config.limits.maxManifestBytes,
        manifestCacheTtlMs: config.cache.manifestTtlSeconds * 1000,
        manifestCacheEntries: config.cache.manifestEntries,
        admission: eventing.decorateAdmission(admission),
      }),
    ),
  );
  const limiter = new PullRateLimiter({
    shared,
    perClientPerMinute: config.rateLimits.pullPerMinutePerClient,
    projectLimit: async (project) => (await access.findProject(project))?.pullRatePerMinute ?? null,
    onError: (err) => log.warn({ err }, 'rate limits unavailable; letting pulls through'),
  });
  const onLoginFailure = (f: LoginFailure) => eventing.loginFailed(f);
  const service = config.token.service;
  let guard: V2Guard = openGuard;
  let tokens: TokenService | undefined;
  const plugins = [];
  if (authOn) {
    tokens = new TokenService({
      signingKeys: meta.access.signingKeys,
      issuer: config.token.issuer,
      ttlSeconds: config.token.ttlSeconds,
    });
    await tokens.start();
    const external = config.externalUrl ? { externalUrl: config.externalUrl } : {};
    guard = createV2Guard({ access, tokens, service, onLoginFailure, ...external });
    const t = tokens;
    plugins.push(async (app: FastifyInstance) =>
      tokenRoutes(app, { access, tokens: t, service, onLoginFailure }),
    );
  }
  plugins.push(
    managementApi({
      access: withProjectCleanup(managementAccess(access), eventing),
      events: eventing,
      catalog: meta.catalog,
      registry,
      attachments: (repo, digest) => supplyChain.attachments(repo, digest),
      onLoginFailure,
      version: o.version ?? '0.0.0',
      ...(authOn ? {} : { authenticate: openApi }),
    }),
  );
  const { app } = await buildApp({
    registry,
    logger: log,
    maxManifestBytes: config.limits.maxManifestBytes,
    guard,
    beforePull: pullLimits(limiter, eventing),
    onManifestPulled: (repo, reference, manifest) => void eventing.recordPull(repo, reference, manifest),
    manifestGate: supplyChain.pullGate,
    plugins,
    ready: () => meta.ping(),
    uploadsInProgress: () => meta.uploads.count(),
    storageUsedBytes: () => meta.blobs.totalBytes(),
    ...(o.https ? { https: o.https } : {}),
  });
  eventing.start();
  return {
    app,
    databaseUrl,
    meta,
    registry,
    access,
    eventing,
    ...(tokens ? { tokens } : {}),
    ...(admin.generatedPassword ? { generatedAdminPassword: admin.generatedPassword } : {}),
    async release() {
      await eventing.stop();
      await shared.close();
      await meta.close();
    },
  };
}
