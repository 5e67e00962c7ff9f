import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { FsBlobStore } from './adapters/blob-fs/index.js';
import { openMetaStore } from './adapters/meta-sql/index.js';
import { buildApp } from './app.js';
import type { Config } from './config/index.js';
import { basicGuard } from './http/basic-auth.js';
import { openGuard } from './http/distribution/guard.js';
import { loadAdmin } from './services/access/admin.js';
import { createRegistry } from './services/registry/index.js';

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL clients use, e.g. http://127.0.0.1:5000 */
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), releases storage. */
  close(): Promise<void>;
}

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error(`invalid listen address '${listen}' (want HOST:PORT)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function databaseUrl(config: Config, dataDir: string): string {
  return config.database || `sqlite:${resolve(dataDir, 'wharf.db')}`;
}

async function authFor(config: Config, dataDir: string, log: Logger) {
  if (config.auth === 'none') {
    log.warn('authentication is OFF (auth: none): anyone who can reach this port can push and delete');
    return openGuard;
  }
  const admin = await loadAdmin(dataDir, config.adminPassword || process.env.WHARF_ADMIN_PASSWORD || '');
  if (admin.generatedPassword) {
    // Printed once, on first start; only its hash is kept.
    process.stderr.write(
      `\nwharf: generated admin password (shown once): ${admin.generatedPassword}\n  login: wharf login <host> -u admin\n\n`,
    );
  }
  return basicGuard(admin);
}

/** The composition root: config → storage backends → registry → HTTP app → listening server. */
export async function startServer(config: Config, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: config.logLevel });
  const dataDir = resolve(config.dataDir);
  const { host, port } = parseListen(config.listen);
  const blobs = new FsBlobStore({ root: dataDir });
  await blobs.init();
  const meta = await openMetaStore(databaseUrl(config, dataDir), { log: (msg) => log.info(msg) });
  const registry = createRegistry({
    blobs,
    meta,
    maxManifestBytes: config.limits.maxManifestBytes,
    manifestCacheTtlMs: config.cache.manifestTtlSeconds * 1000,
    manifestCacheEntries: config.cache.manifestEntries,
  });
  const https =
    config.tls.cert && config.tls.key
      ? { cert: await readFile(config.tls.cert), key: await readFile(config.tls.key) }
      : undefined;
  const { app } = await buildApp({
    registry,
    logger: log,
    maxManifestBytes: config.limits.maxManifestBytes,
    guard: await authFor(config, dataDir, log),
    ready: () => meta.ping(),
    uploadsInProgress: () => meta.uploads.count(),
    storageUsedBytes: () => meta.blobs.totalBytes(),
    ...(https ? { https } : {}),
  });
  const purge = setInterval(() => {
    const before = new Date(Date.now() - config.uploads.ttlSeconds * 1000);
    registry.uploads.purgeExpired(before).then(
      (n) => n > 0 && log.info({ purged: n }, 'purged expired upload sessions'),
      (err: unknown) => log.warn({ err }, 'upload purge failed'),
    );
  }, config.uploads.purgeIntervalSeconds * 1000);
  purge.unref();
  const address = await app.listen({ host, port });
  log.info(
    { address, data: dataDir, database: meta.dialect, tls: Boolean(https) },
    'wharf registry listening',
  );
  const close = async () => {
    clearInterval(purge);
    // close() drops idle keep-alive connections once; ones whose response finishes later must be swept
    // too, or a finished download would hold shutdown until the grace period ends.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    const grace = setTimeout(
      () => app.server.closeAllConnections(),
      config.limits.shutdownGraceSeconds * 1000,
    );
    try {
      await app.close();
    } finally {
      clearInterval(sweep);
      clearTimeout(grace);
    }
    await meta.close();
  };
  return { app, url: address, close };
}
