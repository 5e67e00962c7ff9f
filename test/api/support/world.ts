import type { Dialect } from '../../helpers/server.js';
import { ADMIN, type ApiServer, startApiServer } from '../harness.js';

export { ADMIN };
export const ALICE: [string, string] = ['alice', 'alice-password'];
export const BOB: [string, string] = ['bob', 'bob-password'];
export const CAROL: [string, string] = ['carol', 'carol-password'];

/**
 * The scene every API test starts from, on the real server: the bootstrap admin; `team` (private)
 * with alice as projectAdmin and bob as developer; `pub` (public) with no members; carol belongs
 * to nothing. Seeded through the server's own access service (`wharf.access`).
 */
export interface World {
  server: ApiServer;
}

export async function createWorld(dialect: Dialect, config?: Record<string, unknown>): Promise<World> {
  const server = await startApiServer({ dialect, defaultAs: ADMIN, ...(config ? { config } : {}) });
  try {
    const { access } = server;
    for (const [username, password] of [ALICE, BOB, CAROL]) await access.createUser({ username, password });
    await access.createProject({ name: 'team', public: false });
    await access.createProject({ name: 'pub', public: true });
    await access.addMember('team', 'alice', 'projectAdmin');
    await access.addMember('team', 'bob', 'developer');
  } catch (err) {
    await server.close();
    throw err;
  }
  return { server };
}
