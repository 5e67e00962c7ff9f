import type { Principal, ProjectAction } from '../../services/access/principal.js';
import type { ManagementAccess } from './access.js';
import { denied, notFound } from './errors.js';

export function isAdmin(p: Principal): boolean {
  return p.kind === 'user' && p.admin;
}

export function requireAdmin(p: Principal): void {
  if (!isAdmin(p)) throw denied('only system administrators may do this');
}

/**
 * The caller's actions on a project. A project the caller may not see answers 404, exactly like one
 * that does not exist (as on /v2); one it sees but may not `need` on answers 403.
 */
export async function projectActions(
  access: Pick<ManagementAccess, 'actionsOn'>,
  principal: Principal,
  project: string,
  need?: ProjectAction,
): Promise<ProjectAction[]> {
  const actions = await access.actionsOn(principal, project);
  if (actions.length === 0) throw notFound('project', { project });
  if (need && !actions.includes(need)) throw denied(`${need} on project ${project} is not allowed`);
  return actions;
}
