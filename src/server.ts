import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { composeWharf, type Wharf } from './compose/index.js';
import type { Config } from './config/index.js';

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL clients use, e.g. http://127.0.0.1:5000 */
  url: string;
  /** The composed services (for tests and embedding). */
  wharf: Wharf;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), releases storage. */
  close(): Promise<void>;
}

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error(`invalid listen address '${listen}' (want HOST:PORT)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

async function tlsOf(config: Config): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!config.tls.cert || !config.tls.key) return undefined;
  return { cert: await readFile(config.tls.cert), key: await readFile(config.tls.key) };
}

/** Composes Wharf from its config, listens, and keeps the background chores (upload purge) running. */
export async function startServer(config: Config, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: config.logLevel });
  const dataDir = resolve(config.dataDir);
  const { host, port } = parseListen(config.listen);
  const https = await tlsOf(config);
  if (config.auth === 'none') {
    log.warn('authentication is OFF (auth: none): anyone who can reach this port can push and delete');
  }
  const wharf = await composeWharf({ config, dataDir, log, ...(https ? { https } : {}), version: '0.1.0' });
  const { app, registry } = wharf;
  if (wharf.generatedAdminPassword) {
    // Printed once, on first start; only its hash is kept.
    process.stderr.write(
      `\nwharf: generated admin password (shown once): ${wharf.generatedAdminPassword}\n  login: wharf login <host> -u admin\n\n`,
    );
  }
  const purge = setInterval(() => {
    const before = new Date(Date.now() - config.uploads.ttlSeconds * 1000);
    registry.uploads.purgeExpired(before).then(
      (n) => n > 0 && log.info({ purged: n }, 'purged expired upload sessions'),
      (err: unknown) => log.warn({ err }, 'upload purge failed'),
    );
  }, config.uploads.purgeIntervalSeconds * 1000);
  purge.unref();
  let address: string;
  try {
    address = await app.listen({ host, port });
  } catch (err) {
    clearInterval(purge);
    await app.close();
    await wharf.release();
    throw err;
  }
  log.info(
    { address, data: dataDir, database: wharf.meta.dialect, tls: Boolean(https), auth: config.auth },
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
    await wharf.release();
  };
  return { app, url: address, wharf, close };
}
