import { RegistryClient } from '../../src/client/index.js';
import type { Wharf } from '../../src/compose/index.js';
import type { MetaStore } from '../../src/ports/meta-store.js';
import type { AccessService } from '../../src/services/access/index.js';
import type { TestArtifact } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import { ADMIN_PASSWORD, type Dialect, startTestServer } from '../helpers/server.js';

/** The bootstrap system admin of every test server (test/helpers/server.ts). */
export const ADMIN: [string, string] = ['admin', ADMIN_PASSWORD];

export interface ApiServer {
  url: string;
  /** The composed server: its real access service, metadata store, eventing and registry. */
  wharf: Wharf;
  meta: MetaStore;
  access: AccessService;
  /**
   * Pushes through /v2 with token auth, as `as` (default: the admin; null: anonymous). The caller
   * needs `push` on the project, exactly as a docker client would; the audit log names it as the actor.
   */
  push(repo: string, ref: string, a: TestArtifact, as?: [string, string] | null): Promise<void>;
  /** Pulls a manifest through /v2 (GET, so it is a PULL_ARTIFACT), anonymously with `as: null`. */
  pull(repo: string, ref: string, as?: [string, string] | null): Promise<void>;
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
 * The real server (`composeWharf` through `startTestServer`) with token auth on 127.0.0.1: the
 * management API is mounted with the SQL-backed access service, the audit log and webhooks, and
 * /v2 decides with the same access service. `call` defaults to `defaultAs` (the admin).
 */
export async function startApiServer(
  opts: { dialect?: Dialect; defaultAs?: [string, string] | null; config?: Record<string, unknown> } = {},
): Promise<ApiServer> {
  const server = await startTestServer({
    dialect: opts.dialect ?? 'sqlite',
    auth: 'token',
    ...(opts.config ? { config: opts.config } : {}),
  });
  const { wharf } = server;
  const defaultAs = opts.defaultAs === undefined ? ADMIN : opts.defaultAs;
  const registryHost = new URL(server.url).host;
  const clients = new Map<string, RegistryClient>();
  const clientOf = (as: [string, string] | null): RegistryClient => {
    const key = as ? as.join(':') : '';
    let client = clients.get(key);
    if (!client) {
      client = new RegistryClient({
        registry: registryHost,
        ...(as ? { credentials: { username: as[0], password: as[1] } } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };
  return {
    url: server.url,
    wharf,
    meta: wharf.meta,
    access: wharf.access,
    push: (repo, ref, a, as = ADMIN) => pushArtifact(clientOf(as), repo, ref, a),
    async pull(repo, ref, as = ADMIN) {
      await clientOf(as).getManifest(repo, ref);
    },
    async call(path, init = {}) {
      const as = init.as === undefined ? defaultAs : init.as;
      const headers: Record<string, string> = {};
      if (as) headers.authorization = basic(...as);
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const method = init.method ?? 'GET';
      const res = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      recorded.push({ method, path: `/api/v1${path.split('?')[0] ?? ''}`, status: res.status });
      return res;
    },
    close: () => server.stop(),
  };
}
