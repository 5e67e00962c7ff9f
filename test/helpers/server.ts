import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { validateConfig } from '../../src/config/index.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createTestDatabase } from './postgres.js';
import { V2 } from './registry-client.js';

export type Dialect = 'sqlite' | 'postgres';

export const ADMIN_PASSWORD = 'test-admin-password';
export const ADMIN_AUTH = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

export interface TestServerOptions {
  dialect?: Dialect;
  auth?: 'token' | 'basic' | 'none';
  config?: Record<string, unknown>;
}

export interface TestServer extends RunningServer {
  dataDir: string;
  /** The metadata database's URL (`sqlite:…` in dataDir or `postgres://…`), for a second replica to share. */
  databaseUrl: string;
  /** Closes this server and starts another on the same data dir and database (a process restart). */
  restart(): Promise<TestServer>;
  /** Stops the server and removes its data (and its PostgreSQL database). */
  stop(): Promise<void>;
}

interface Storage {
  dataDir: string;
  database?: string;
  cleanup(): Promise<void>;
}

async function freshStorage(dialect: Dialect): Promise<Storage> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-test-'));
  const pg = dialect === 'postgres' ? await createTestDatabase() : undefined;
  if (dialect === 'postgres' && !pg) throw new Error('PostgreSQL is not reachable');
  return {
    dataDir,
    ...(pg ? { database: pg.url } : {}),
    async cleanup() {
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function launch(storage: Storage, opts: TestServerOptions): Promise<TestServer> {
  const config = validateConfig({
    listen: '127.0.0.1:0',
    dataDir: storage.dataDir,
    auth: opts.auth ?? 'none',
    adminPassword: ADMIN_PASSWORD,
    logLevel: 'silent',
    ...(storage.database ? { database: storage.database } : {}),
    ...opts.config,
  });
  const server = await startServer(config, pino({ level: process.env.WHARF_TEST_LOG ?? 'silent' }));
  return {
    ...server,
    dataDir: storage.dataDir,
    databaseUrl: server.wharf.databaseUrl,
    async restart() {
      await server.close();
      return launch(storage, opts);
    },
    async stop() {
      await server.close();
      await storage.cleanup();
    },
  };
}

/** A real Wharf server on 127.0.0.1 (random port) with a fresh data dir and database. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  return launch(await freshStorage(opts.dialect ?? 'sqlite'), opts);
}

export interface ServerContext {
  server: TestServer;
  /** A client for `server`, replaced on restart. */
  v2: V2;
  /** Restarts the server on the same storage and points `v2` at it. */
  restart(): Promise<void>;
}

/** Runs a fresh server for the enclosing describe block: started before its tests, stopped after. */
export function useServer(opts: TestServerOptions = {}): ServerContext {
  const ctx = {
    async restart() {
      ctx.server = await ctx.server.restart();
      ctx.v2 = new V2(ctx.server.url);
    },
  } as ServerContext;
  beforeAll(async () => {
    ctx.server = await startTestServer(opts);
    ctx.v2 = new V2(ctx.server.url);
  });
  afterAll(() => ctx.server.stop());
  return ctx;
}
