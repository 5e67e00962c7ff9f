import { RegistryClient } from '../../src/client/index.js';
import type { WharfEvent } from '../../src/services/events/index.js';
import { ADMIN_AUTH, type Dialect, startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN } from './cosign.js';

/** A composed server with token auth, an admin client and helpers for the project API and the audit log. */
export interface SupplyChainServer {
  server: TestServer;
  /** /v2 as the system admin (may push everywhere). */
  admin: RegistryClient;
  /** /v2 as a client with these credentials. */
  client(as: [string, string]): RegistryClient;
  /** A project robot that may only pull (a deployment), as a client. */
  puller(project: string): Promise<RegistryClient>;
  /** The management API as the admin. */
  api(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Sets the project's supply-chain rules through PATCH /projects/{project}; throws unless 200. */
  rules(project: string, supplyChain: Record<string, unknown>): Promise<void>;
  /** POLICY_DECISION events of a repository, newest first (pull refusals flushed first). */
  decisions(repository: string): Promise<WharfEvent[]>;
  stop(): Promise<void>;
}

export async function startSupplyChainServer(dialect: Dialect): Promise<SupplyChainServer> {
  const server = await startTestServer({ dialect, auth: 'token' });
  const host = new URL(server.url).host;
  const client = (as: [string, string]) =>
    new RegistryClient({ registry: host, credentials: { username: as[0], password: as[1] } });
  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${server.url}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: ADMIN_AUTH,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  return {
    server,
    admin: client(ADMIN),
    client,
    api,
    async puller(project) {
      const { robot, secret } = await server.wharf.access.createRobot({
        project,
        name: `deploy-${Math.random().toString(36).slice(2, 8)}`,
        permissions: [{ project, actions: ['pull'] }],
      });
      return client([robot.name, secret]);
    },
    async rules(project, supplyChain) {
      const r = await api(`/projects/${project}`, { method: 'PATCH', body: { supplyChain } });
      if (r.status !== 200) throw new Error(`PATCH /projects/${project}: ${r.status} ${await r.text()}`);
    },
    async decisions(repository) {
      await server.wharf.eventing.flushPulls();
      const { events } = await server.wharf.eventing.audit.query({ types: ['POLICY_DECISION'], repository });
      return events;
    },
    stop: () => server.stop(),
  };
}
