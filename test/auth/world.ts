import type { AccessService } from '../../src/services/access/index.js';
import type { Role } from '../../src/services/access/principal.js';
import { blob, imageManifest, jsonBlob, type TestBlob } from '../helpers/oci.js';
import { V2 } from '../helpers/registry-client.js';

export const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export const PASSWORD = 'pw-for-auth-tests-0123';
export const ROOT = basic('root', PASSWORD);

/** The principals of the permission matrix. */
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

/** Usernames are lowercase: the member with role R is the user `r`. */
export const userOf = (actor: Actor | Role): string => actor.toLowerCase();

export interface World {
  /** The Basic credentials /token gets for an actor (undefined: anonymous). */
  credentials(actor: Actor): string | undefined;
  robotIn: { name: string; secret: string };
  robotOther: { name: string; secret: string };
}

/**
 * Through the real access service: users for every role (members of both `pub` and `priv` with
 * that role), a non-member, a system admin, a system robot with pull+push on `pub` and `priv`, and
 * a robot of the project `other` scoped to it.
 */
export async function seedAccess(access: AccessService): Promise<World> {
  await access.createUser({ username: 'root', password: PASSWORD, admin: true });
  for (const user of [...ROLES.map(userOf), 'nonmember'])
    await access.createUser({ username: user, password: PASSWORD });
  await access.createProject({ name: 'pub', public: true });
  await access.createProject({ name: 'priv' });
  await access.createProject({ name: 'other' });
  for (const project of ['pub', 'priv'])
    for (const role of ROLES) await access.addMember(project, userOf(role), role);
  const inProject = await access.createRobot({
    name: 'ci',
    permissions: [
      { project: 'pub', actions: ['pull', 'push'] },
      { project: 'priv', actions: ['pull', 'push'] },
    ],
  });
  const other = await access.createRobot({
    project: 'other',
    name: 'ci',
    permissions: [{ project: 'other', actions: ['pull', 'push'] }],
  });
  const robotIn = { name: inProject.robot.name, secret: inProject.secret };
  const robotOther = { name: other.robot.name, secret: other.secret };
  return {
    robotIn,
    robotOther,
    credentials(actor) {
      switch (actor) {
        case 'anonymous':
          return undefined;
        case 'systemAdmin':
          return ROOT;
        case 'robotInProject':
          return basic(robotIn.name, robotIn.secret);
        case 'robotOtherProject':
          return basic(robotOther.name, robotOther.secret);
        default:
          return basic(userOf(actor), PASSWORD);
      }
    },
  };
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
