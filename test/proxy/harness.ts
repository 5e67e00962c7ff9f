import { RegistryClient } from '../../src/client/index.js';
import { ADMIN_AUTH, type Dialect, startTestServer, type TestServer } from '../helpers/server.js';
import { startUpstream, type Upstream } from './upstream.js';

/** Short timings so freshness and timeouts show within a test. */
export const PROXY_TEST_CONFIG = {
  proxy: { freshnessSeconds: 1, checkTimeoutMs: 400, fetchTimeoutSeconds: 3 },
};

export interface ProxyWorld {
  /** Replace it after a restart: the helpers below follow it. */
  server: TestServer;
  upstream: Upstream;
  /** Wharf's `host:port`. */
  host: string;
  /** An anonymous client of Wharf (the proxy projects are public). */
  anonymous: RegistryClient;
  /** GET/HEAD on Wharf, anonymous. */
  v2(path: string, init?: RequestInit): Promise<Response>;
  /** The management API as the admin. */
  api(path: string, init?: { method?: string; body?: unknown; auth?: string }): Promise<Response>;
  /** Creates a public proxy project of the upstream; throws unless 201. */
  proxyProject(name: string, proxy?: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export async function startProxyWorld(dialect: Dialect, upstream?: Upstream): Promise<ProxyWorld> {
  const up = upstream ?? (await startUpstream());
  const server = await startTestServer({ dialect, auth: 'token', config: PROXY_TEST_CONFIG });
  const host = new URL(server.url).host;
  const api: ProxyWorld['api'] = (path, init = {}) =>
    fetch(`${world.server.url}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: init.auth ?? ADMIN_AUTH,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  const world: ProxyWorld = {
    server,
    upstream: up,
    host,
    anonymous: new RegistryClient({ registry: host }),
    v2: (path, init) => fetch(`${world.server.url}${path}`, init),
    api,
    async proxyProject(name, proxy = { upstream: up.url }) {
      const r = await api('/projects', { method: 'POST', body: { name, public: true, proxy } });
      if (r.status !== 201) throw new Error(`POST /projects ${name}: ${r.status} ${await r.text()}`);
    },
    async stop() {
      await world.server.stop();
      if (!upstream) await up.stop();
    },
  };
  return world;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
