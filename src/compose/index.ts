import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { FsBlobStore } from '../adapters/blob-fs/index.js';
import { openMetaStore } from '../adapters/meta-sql/index.js';
import { buildApp } from '../app.js';
import type { Config } from '../config/index.js';
import type { LoginFailure } from '../http/auth/index.js';
import type { MetaStore } from '../ports/meta-store.js';
import { AccessService } from '../services/access/index.js';
import { createEventing, type Eventing } from '../services/events/index.js';
import { type LifecycleService, PullTimes, type RetentionService } from '../services/lifecycle/index.js';
import type { PromotionService } from '../services/promotion/index.js';
import type { Registry } from '../services/registry/index.js';
import { createPushTrigger, type Replication } from '../services/replication/index.js';
import type { TokenService } from '../services/tokens/index.js';
import { composeAdmission } from './admission.js';
import { composeApi } from './api.js';
import { composeAuth } from './auth.js';
import { composeLifecycle } from './lifecycle.js';
import { composePromotion } from './promotion.js';
import { composeProxy, openSecretBox } from './proxy.js';
import { pullLimits } from './pulls.js';
import { composeRegistry } from './registry.js';
import { composeReplication } from './replication.js';
import { composeRetention } from './retention.js';
import { openShared } from './shared.js';

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
  /** Pull times of manifests and tags, written in batches (`flush` writes the pending ones now). */
  pullTimes: PullTimes;
  /** Garbage collection and scrub. */
  lifecycle: LifecycleService;
  /** Replication policies, executions, the cron scheduler. */
  replication: Replication;
  /** Promotion gates, approvals, rollback and revocation. */
  promotion: PromotionService;
  /** Retention policy runs (tests set its clock: `retention.now`). */
  retention: RetentionService;
  tokens?: TokenService;
  /** Set on the first start of an authenticating registry without a configured admin password. */
  generatedAdminPassword?: string;
  /** Stops workers and releases the database and shared state. Call after the app has closed. */
  release(): Promise<void>;
}

/**
 * The composition root: config → storage backends → access, events, policy → registry → HTTP app.
 * The only place that names concrete adapters (here and in the files beside it); `startServer`
 * listens on the result, and the tests start the same composition.
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
  const secrets = await openSecretBox(o.dataDir);
  const access = new AccessService({ store: meta.access, log: (msg) => log.info(msg), secrets });
  const admin = config.auth === 'none' ? {} : await access.ensureAdmin({ password: config.adminPassword });
  const externalHost = config.externalUrl ? new URL(config.externalUrl).host : '';
  const pushTrigger = createPushTrigger(meta.replication, config.replication.maxAttempts);
  const eventing = createEventing({
    meta,
    log,
    triggers: [pushTrigger],
    retentionDays: config.audit.retentionDays,
    webhooks: { registryHost: externalHost },
  });
  const proxy = composeProxy({ config, meta, secrets, findProject: (name) => access.findProject(name), log });
  const { registry, supplyChain, immutable } = composeRegistry({
    config,
    blobs,
    meta,
    access,
    eventing,
    proxy: proxy.wrap,
  });
  const pullTimes = new PullTimes({
    store: meta.activity,
    onError: (err, count) => log.warn({ err, count }, 'pull times not recorded'),
  });
  const lifecycle = composeLifecycle({ config, blobs, meta, registry, eventing, log });
  const retention = composeRetention({ config, meta, registry, eventing, immutable, log });
  const replication = composeReplication({
    config,
    dataDir: o.dataDir,
    meta,
    registry,
    eventing,
    trigger: pushTrigger,
    secrets,
    log,
  });
  const promotion = composePromotion({ meta, registry, supplyChain, access, eventing, log });
  const onLoginFailure = (f: LoginFailure) => eventing.loginFailed(f);
  const auth = await composeAuth({ config, meta, access, onLoginFailure });
  const version = o.version ?? '0.0.0';
  const api = composeApi({
    config,
    meta,
    access,
    eventing,
    registry,
    supplyChain,
    lifecycle: lifecycle.service,
    replication: replication.service,
    promotion: promotion.service,
    retention: retention.service,
    onLoginFailure,
    version,
  });
  const admission = await composeAdmission({
    config,
    registry,
    supplyChain,
    eventing,
    verifier: promotion.verifier,
  });
  const plugins: FastifyPluginAsync[] = [...auth.plugins, api, ...(admission ? [admission] : [])];
  const warn = (err: unknown) => log.warn({ err }, 'rate limits unavailable; letting pulls through');
  const { app, metrics } = await buildApp({
    registry,
    logger: log,
    maxManifestBytes: config.limits.maxManifestBytes,
    guard: auth.guard,
    beforePull: pullLimits({ config, shared, access, eventing }, warn),
    onManifestPulled: (repo, reference, manifest) => {
      void eventing.recordPull(repo, reference, manifest);
      pullTimes.record(repo, manifest.digest, reference.includes(':') ? undefined : reference);
    },
    manifestGate: promotion.pullGate,
    plugins,
    ready: () => meta.ping(),
    uploadsInProgress: () => meta.uploads.count(),
    storageUsedBytes: () => meta.blobs.totalBytes(),
    ...(o.https ? { https: o.https } : {}),
  });
  proxy.registerMetrics(metrics);
  eventing.start();
  lifecycle.start();
  replication.start();
  retention.start();
  return {
    app,
    databaseUrl,
    meta,
    registry,
    access,
    eventing,
    replication,
    promotion: promotion.service,
    retention: retention.service,
    pullTimes,
    lifecycle: lifecycle.service,
    ...(auth.tokens ? { tokens: auth.tokens } : {}),
    ...(admin.generatedPassword ? { generatedAdminPassword: admin.generatedPassword } : {}),
    async release() {
      await lifecycle.stop();
      await retention.stop();
      await replication.stop();
      await eventing.stop();
      await pullTimes.flush();
      await shared.close();
      await meta.close();
    },
  };
}
