import type { Principal, ProjectAction, RepoAction } from '../../services/access/principal.js';
import { isRepoAction } from '../../services/tokens/scope.js';

/** The project a repository belongs to: its first path segment. */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}

/**
 * What token issuing and /v2 authorization ask of the access service (AccessService satisfies it
 * as it is), kept to the questions they need. The guard asks on every request and caches nothing
 * itself: the access service's caches are the ones invalidated when accounts change.
 */
export interface AccessDecisions {
  /** A user or robot by its credentials; undefined when unknown, wrong, disabled or expired. */
  authenticate(username: string, secret: string): Promise<Principal | undefined>;
  /** The current principal a token subject names; undefined once deleted, disabled or expired. */
  principal(name: string): Promise<Principal | undefined>;
  /**
   * What the principal may do on a project (a repository's first path segment); nothing when it may
   * not even see it (a private project it has no part in, or one that does not exist).
   */
  actionsOn(principal: Principal, project: string): Promise<{ actions: ReadonlySet<ProjectAction> }>;
  /** Projects whose repositories the principal may see in `_catalog`; 'all' for a system admin. */
  visibleProjects(principal: Principal): Promise<ReadonlySet<string> | 'all'>;
}

/** The repository actions the principal has on a repository, through its project. */
export async function repoActionsOn(
  access: Pick<AccessDecisions, 'actionsOn'>,
  principal: Principal,
  repository: string,
): Promise<RepoAction[]> {
  const { actions } = await access.actionsOn(principal, projectOf(repository));
  return [...actions].filter(isRepoAction);
}

/** The catalog filter for a principal: repositories of the projects it may see. */
export async function catalogFilter(
  access: Pick<AccessDecisions, 'visibleProjects'>,
  principal: Principal,
): Promise<(repository: string) => boolean> {
  const visible = await access.visibleProjects(principal);
  return visible === 'all' ? () => true : (repository) => visible.has(projectOf(repository));
}
