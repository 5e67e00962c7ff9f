import type { Principal, ProjectAction, RepoAction } from '../../services/access/principal.js';
import { isRepoAction } from '../../services/tokens/scope.js';

/** The project a repository belongs to: its first path segment. */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}

/**
 * What token issuing and /v2 authorization ask of the access service (users, robots, projects,
 * roles), kept to the questions they need. The guard asks on every request and caches nothing
 * itself: the access service's caches are the ones invalidated when accounts change.
 */
export interface AccessDecisions {
  /** A user or robot by its credentials; undefined when unknown, wrong, disabled or expired. */
  authenticate(username: string, password: string): Promise<Principal | undefined>;
  /**
   * What the principal may do on a project (a repository's first path segment); [] when it may not
   * even see it (a private project it has no part in, or one that does not exist). System admins get
   * every action even on a project that does not exist yet (their first push creates it).
   */
  actionsOn(principal: Principal, project: string): Promise<ProjectAction[]>;
  /** The current principal a token subject names; undefined once it is deleted, disabled or expired. */
  principal(name: string): Promise<Principal | undefined>;
  /** Which repositories the principal may see in the catalog (decided by their project). */
  catalogFilter(principal: Principal): Promise<(repository: string) => boolean>;
}

/** The repository actions the principal has on a repository, through its project. */
export async function repoActionsOn(
  access: Pick<AccessDecisions, 'actionsOn'>,
  principal: Principal,
  repository: string,
): Promise<RepoAction[]> {
  return (await access.actionsOn(principal, projectOf(repository))).filter(isRepoAction);
}
