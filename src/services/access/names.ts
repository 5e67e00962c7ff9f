import { invalid } from './errors.js';
import { isRepoAction } from './permissions.js';
import type { RepoAction, RobotPermission } from './principal.js';

/** A repository path component (OCI distribution spec), which a project name must be. */
const PROJECT_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ROBOT_SHORT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
export const ROBOT_PREFIX = 'robot$';
export const MIN_PASSWORD = 8;
/** Longer input is refused before hashing: scrypt's cost grows with it. */
export const MAX_SECRET = 1024;

export function checkProjectName(name: string): string {
  if (name.length > 255 || !PROJECT_NAME.test(name))
    throw invalid(
      `invalid project name '${name.slice(0, 300)}': lowercase letters and digits, separated by '.', '_', '__' or dashes`,
    );
  return name;
}

export function checkUsername(username: string): string {
  if (username.startsWith(ROBOT_PREFIX)) throw invalid(`usernames may not start with '${ROBOT_PREFIX}'`);
  if (!USERNAME.test(username))
    throw invalid(
      `invalid username '${username.slice(0, 100)}': 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit`,
    );
  return username;
}

export function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD) throw invalid(`a password needs at least ${MIN_PASSWORD} characters`);
  if (password.length > MAX_SECRET) throw invalid(`a password may have at most ${MAX_SECRET} characters`);
  return password;
}

export function checkEmail(email: string | null): string | null {
  if (email !== null && (email.length > 254 || !EMAIL.test(email))) throw invalid('invalid email address');
  return email;
}

/** `robot$<project>+<name>` for a project robot, `robot$<name>` for a system robot. */
export function robotName(project: string | undefined, name: string): string {
  if (!ROBOT_SHORT_NAME.test(name))
    throw invalid(
      `invalid robot name '${name.slice(0, 100)}': 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit`,
    );
  return project === undefined ? `${ROBOT_PREFIX}${name}` : `${ROBOT_PREFIX}${project}+${name}`;
}

/** The owning project a robot's full name carries; null for a system robot. */
export function robotProject(fullName: string): string | null {
  const rest = fullName.slice(ROBOT_PREFIX.length);
  const plus = rest.indexOf('+');
  return plus < 0 ? null : rest.slice(0, plus);
}

/**
 * Checks and normalises robot permissions: known repository actions only (no `manage`), each
 * project named once, actions deduplicated in a fixed order. A project robot may only hold
 * permissions on its own project; '*' (every project) is for system robots.
 */
export function checkPermissions(
  perms: readonly RobotPermission[],
  owner: string | undefined,
): RobotPermission[] {
  if (perms.length === 0) throw invalid('a robot needs at least one permission');
  const byProject = new Map<string, Set<RepoAction>>();
  for (const p of perms) {
    if (owner !== undefined && p.project !== owner)
      throw invalid(`a robot of project '${owner}' may only hold permissions on '${owner}'`);
    if (p.project !== '*') checkProjectName(p.project);
    const bad = p.actions.find((a) => !isRepoAction(a));
    if (bad !== undefined) throw invalid(`unknown robot action '${String(bad)}' (pull, push, delete, list)`);
    if (p.actions.length === 0) throw invalid(`no actions given for project '${p.project}'`);
    const set = byProject.get(p.project) ?? new Set<RepoAction>();
    for (const a of p.actions) set.add(a);
    byProject.set(p.project, set);
  }
  const order: RepoAction[] = ['pull', 'push', 'delete', 'list'];
  return [...byProject].map(([project, set]) => ({ project, actions: order.filter((a) => set.has(a)) }));
}
