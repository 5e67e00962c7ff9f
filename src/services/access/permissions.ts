import type { Principal, ProjectAction, RepoAction, Role } from './principal.js';

export const ROLES: readonly Role[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'];
export const REPO_ACTIONS: readonly RepoAction[] = ['pull', 'push', 'delete', 'list'];
export const PROJECT_ACTIONS: readonly ProjectAction[] = [...REPO_ACTIONS, 'manage'];

/** Harbor's role permissions (docs/permissions.md has the full matrix). */
export const ROLE_ACTIONS: Record<Role, readonly ProjectAction[]> = {
  projectAdmin: ['pull', 'push', 'delete', 'list', 'manage'],
  maintainer: ['pull', 'push', 'delete', 'list'],
  developer: ['pull', 'push', 'list'],
  guest: ['pull', 'list'],
  limitedGuest: ['pull'],
};

/** What anyone, anonymous included, may do on a public project. */
export const PUBLIC_ACTIONS: readonly ProjectAction[] = ['pull', 'list'];

export const isRole = (v: unknown): v is Role => ROLES.includes(v as Role);
export const isRepoAction = (v: unknown): v is RepoAction => REPO_ACTIONS.includes(v as RepoAction);

/**
 * What a principal may do on a project, given its membership role there (users only). Pure.
 * System admins may do everything; members what their role allows; robots the union of their
 * permission entries naming the project (or '*'), never `manage`; everyone `pull` and `list` on a
 * public project. Grants add up; nothing else is allowed.
 */
export function allowedActions(
  principal: Principal,
  project: { name: string; public: boolean },
  role: Role | undefined,
): Set<ProjectAction> {
  if (principal.kind === 'user' && principal.admin) return new Set(PROJECT_ACTIONS);
  const out = new Set<ProjectAction>(project.public ? PUBLIC_ACTIONS : []);
  if (principal.kind === 'user' && role !== undefined) for (const a of ROLE_ACTIONS[role]) out.add(a);
  if (principal.kind === 'robot') {
    for (const perm of principal.permissions) {
      if (perm.project !== project.name && perm.project !== '*') continue;
      for (const a of perm.actions) if (isRepoAction(a)) out.add(a);
    }
  }
  return out;
}
