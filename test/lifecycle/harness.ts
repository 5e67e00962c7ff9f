import { RegistryClient } from '../../src/client/index.js';
import type { Digest } from '../../src/oci/digest.js';
import type { WharfEvent } from '../../src/services/events/index.js';
import type { ApiServer } from '../api/harness.js';
import { ADMIN, ALICE, BOB, CAROL, createWorld } from '../api/support/world.js';
import { runCliCaptured } from '../helpers/cli.js';
import type { Dialect } from '../helpers/server.js';

export { ADMIN, ALICE, BOB, CAROL };

/**
 * The API tests' world (test/api/support/world.ts: `team` private with alice as projectAdmin and
 * bob as developer, `pub` public, carol in nothing) on the composed server with token auth, plus
 * /v2 clients, JSON calls recorded for the OpenAPI coverage check, and the CLI in-process.
 */
export interface LifecycleServer {
  api: ApiServer;
  host: string;
  /** A /v2 client as `as` (default: the admin). */
  client(as?: [string, string]): RegistryClient;
  /** An API call (recorded for coverage): status and parsed body (undefined for 204). */
  call<T = unknown>(
    path: string,
    init?: { method?: string; body?: unknown; as?: [string, string] | null },
  ): Promise<{ status: number; body: T; headers: Headers }>;
  /** The CLI against this server as the admin (or `as`). */
  cli(argv: string[], as?: [string, string]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** POLICY_DECISION events of a repository, newest first. */
  decisions(repository: string): Promise<WharfEvent[]>;
  stop(): Promise<void>;
}

export async function startLifecycleServer(
  dialect: Dialect,
  config?: Record<string, unknown>,
): Promise<LifecycleServer> {
  const { server: api } = await createWorld(dialect, config);
  const host = new URL(api.url).host;
  const clients = new Map<string, RegistryClient>();
  return {
    api,
    host,
    client(as = ADMIN) {
      const key = as.join(':');
      let c = clients.get(key);
      if (!c) {
        c = new RegistryClient({ registry: host, credentials: { username: as[0], password: as[1] } });
        clients.set(key, c);
      }
      return c;
    },
    async call<T>(
      path: string,
      init: { method?: string; body?: unknown; as?: [string, string] | null } = {},
    ) {
      const res = await api.call(path, init);
      const text = await res.text();
      return {
        status: res.status,
        body: (text === '' ? undefined : JSON.parse(text)) as T,
        headers: res.headers,
      };
    },
    async cli(argv, as = ADMIN) {
      return runCliCaptured([...argv, '-u', as[0], '-p', as[1]], {
        env: { DOCKER_CONFIG: '/nonexistent-wharf-docker-config', WHARF_REGISTRY: host },
      });
    },
    async decisions(repository) {
      const { events } = await api.wharf.eventing.audit.query({ types: ['POLICY_DECISION'], repository });
      return events;
    },
    stop: () => api.close(),
  };
}

export { refusal } from '../helpers/refusal.js';

/** `/projects/{project}/repositories/{repository}` with the repository's `/` encoded. */
export function repoPath(repository: string): string {
  const project = repository.split('/')[0] ?? repository;
  return `/projects/${project}/repositories/${encodeURIComponent(repository)}`;
}

export type { Digest };
