import { describe, expect, it } from 'vitest';
import { allowedActions, PROJECT_ACTIONS, ROLE_ACTIONS, ROLES } from './permissions.js';
import type { Principal, ProjectAction, Role } from './principal.js';

const anonymous: Principal = { kind: 'anonymous' };
const admin: Principal = { kind: 'user', id: 1, name: 'root', admin: true };
const alice: Principal = { kind: 'user', id: 2, name: 'alice', admin: false };
const robot = (
  permissions: { project: string; actions: ('pull' | 'push' | 'delete' | 'list')[] }[],
): Principal => ({
  kind: 'robot',
  id: 3,
  name: 'robot$ci',
  permissions,
});

const pub = { name: 'library', public: true };
const priv = { name: 'team-a', public: false };
const sorted = (s: Set<ProjectAction>) => [...s].sort();
const set = (...a: ProjectAction[]) => [...a].sort();

describe('ROLE_ACTIONS', () => {
  it('follows Harbor: each role a subset of the one above it, only projectAdmin manages', () => {
    expect(ROLE_ACTIONS).toEqual({
      projectAdmin: ['pull', 'push', 'delete', 'list', 'manage'],
      maintainer: ['pull', 'push', 'delete', 'list'],
      developer: ['pull', 'push', 'list'],
      guest: ['pull', 'list'],
      limitedGuest: ['pull'],
    });
    for (const [i, role] of ROLES.entries()) {
      const below = ROLES[i + 1];
      if (below) for (const a of ROLE_ACTIONS[below]) expect(ROLE_ACTIONS[role]).toContain(a);
    }
  });
});

describe('allowedActions', () => {
  const rows: [string, Principal, { name: string; public: boolean }, Role | undefined, ProjectAction[]][] = [
    ['admin, private, no role', admin, priv, undefined, [...PROJECT_ACTIONS]],
    ['admin, public', admin, pub, undefined, [...PROJECT_ACTIONS]],
    ['anonymous, private', anonymous, priv, undefined, []],
    ['anonymous, public', anonymous, pub, undefined, ['pull', 'list']],
    ['non-member, private', alice, priv, undefined, []],
    ['non-member, public', alice, pub, undefined, ['pull', 'list']],
    ['projectAdmin, private', alice, priv, 'projectAdmin', ['pull', 'push', 'delete', 'list', 'manage']],
    ['maintainer, private', alice, priv, 'maintainer', ['pull', 'push', 'delete', 'list']],
    ['developer, private', alice, priv, 'developer', ['pull', 'push', 'list']],
    ['guest, private', alice, priv, 'guest', ['pull', 'list']],
    ['limitedGuest, private', alice, priv, 'limitedGuest', ['pull']],
    ['limitedGuest, public (public adds list)', alice, pub, 'limitedGuest', ['pull', 'list']],
    ['developer, public', alice, pub, 'developer', ['pull', 'push', 'list']],
    [
      'robot, own project',
      robot([{ project: 'team-a', actions: ['pull', 'push'] }]),
      priv,
      undefined,
      ['pull', 'push'],
    ],
    ['robot, other project', robot([{ project: 'team-b', actions: ['pull', 'push'] }]), priv, undefined, []],
    [
      'robot, other project but public',
      robot([{ project: 'team-b', actions: ['push'] }]),
      pub,
      undefined,
      ['pull', 'list'],
    ],
    [
      'robot, wildcard',
      robot([{ project: '*', actions: ['pull', 'delete'] }]),
      priv,
      undefined,
      ['pull', 'delete'],
    ],
    [
      'robot, entries add up',
      robot([
        { project: 'team-a', actions: ['pull'] },
        { project: '*', actions: ['list'] },
        { project: 'team-a', actions: ['delete'] },
      ]),
      priv,
      undefined,
      ['pull', 'list', 'delete'],
    ],
    ['robot, a role is ignored', robot([]), priv, 'projectAdmin', []],
    ['anonymous, a role is ignored', anonymous, priv, 'maintainer', []],
  ];
  it.each(rows)('%s', (_label, principal, project, role, expected) => {
    expect(sorted(allowedActions(principal, project, role))).toEqual(set(...expected));
  });

  it('never gives a robot manage, whatever its stored permissions say', () => {
    const sneaky = robot([{ project: '*', actions: ['pull', 'manage' as 'pull'] }]);
    expect(allowedActions(sneaky, priv, undefined).has('manage')).toBe(false);
  });
});
