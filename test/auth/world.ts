import type { Role } from '../../src/services/access/principal.js';
import { blob, imageManifest, jsonBlob, type TestBlob } from '../helpers/oci.js';
import { V2 } from '../helpers/registry-client.js';
import type { MemoryAccess } from './memory-access.js';

export const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export const PASSWORD = 'pw-for-tests';
export const ROBOT_SECRET = 'robot-secret-for-tests';
export const ROOT = basic('root', PASSWORD);

/** The principals of the permission matrix: a name, and the credentials /token gets (none: anonymous). */
export const ACTORS = [
  'projectAdmin',
  'maintainer',
  'developer',
  'guest',
  'limitedGuest',
  'nonMember',
  'anonymous',
  'systemAdmin',
  'robotInProject',
  'robotOtherProject',
] as const;
export type Actor = (typeof ACTORS)[number];

export const ROLES: Role[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'];

export const ROBOT_IN = 'robot$ci';
export const ROBOT_OTHER = 'robot$other+ci';

export function credentialsOf(actor: Actor): string | undefined {
  switch (actor) {
    case 'anonymous':
      return undefined;
    case 'systemAdmin':
      return ROOT;
    case 'robotInProject':
      return basic(ROBOT_IN, ROBOT_SECRET);
    case 'robotOtherProject':
      return basic(ROBOT_OTHER, ROBOT_SECRET);
    default:
      return basic(actor, PASSWORD);
  }
}

/**
 * Users for every role (members of both `pub` and `priv` with that role), a non-member, a system
 * admin, a robot with pull+push on both projects and one scoped to the project `other`.
 */
export function seedAccess(access: MemoryAccess): void {
  access.addUser('root', PASSWORD, true);
  for (const role of ROLES) access.addUser(role, PASSWORD);
  access.addUser('nonMember', PASSWORD);
  const members = Object.fromEntries(ROLES.map((r) => [r, r])) as Record<string, Role>;
  access.addProject('pub', true, members);
  access.addProject('priv', false, members);
  access.addProject('other', false);
  access.addRobot(ROBOT_IN, ROBOT_SECRET, [
    { project: 'pub', actions: ['pull', 'push'] },
    { project: 'priv', actions: ['pull', 'push'] },
  ]);
  access.addRobot(ROBOT_OTHER, ROBOT_SECRET, [{ project: 'other', actions: ['pull', 'push'] }]);
}

export interface PushedImage {
  config: TestBlob;
  layer: TestBlob;
  manifest: TestBlob;
}

/** Pushes an image as the system admin (Basic straight on /v2). */
export async function adminPush(url: string, repo: string, tag: string): Promise<PushedImage> {
  return new V2(url, ROOT).pushImage(repo, tag);
}

export function freshImage(): PushedImage {
  const config = jsonBlob({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
    n: Math.random(),
  });
  const layer = blob(512);
  return { config, layer, manifest: imageManifest(config, [layer]) };
}
