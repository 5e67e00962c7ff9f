import type { EventingOptions } from '../../../src/services/events/index.js';
import type { Dialect } from '../../helpers/server.js';
import { type ApiServer, startApiServer } from '../harness.js';
import { MemoryManagementAccess } from './memory-access.js';

export const ADMIN: [string, string] = ['admin', 'admin-password'];
export const ALICE: [string, string] = ['alice', 'alice-password'];
export const BOB: [string, string] = ['bob', 'bob-password'];
export const CAROL: [string, string] = ['carol', 'carol-password'];

/**
 * The scene every API test starts from: an admin; `team` (private) with alice as projectAdmin and
 * bob as developer; `pub` (public) with no members; carol belongs to nothing.
 */
export interface World {
  server: ApiServer;
  access: MemoryManagementAccess;
}

/** With `events`, the server also runs the audit log and webhooks (see startApiServer). */
export async function createWorld(
  dialect: Dialect,
  opts: { events?: Omit<EventingOptions, 'meta'> } = {},
): Promise<World> {
  const access = new MemoryManagementAccess();
  await access.users.create({ username: 'admin', password: ADMIN[1], email: null, admin: true });
  for (const [u, p] of [ALICE, BOB, CAROL])
    await access.users.create({ username: u, password: p, email: null, admin: false });
  await access.projects.create({ name: 'team', public: false, quotaBytes: null, pullRatePerMinute: null });
  await access.projects.create({ name: 'pub', public: true, quotaBytes: null, pullRatePerMinute: null });
  await access.members.set('team', 'alice', 'projectAdmin');
  await access.members.set('team', 'bob', 'developer');
  const server = await startApiServer({
    access,
    dialect,
    defaultAs: ADMIN,
    ...(opts.events ? { events: opts.events } : {}),
  });
  return { server, access };
}
