import type { Principal, RepoAction } from '../../services/access/principal.js';

/**
 * What token issuing and /v2 authorization ask of the access service (users, robots, projects,
 * roles). Kept to the three questions they need, so the HTTP layer does not depend on the rest.
 */
export interface AccessDecisions {
  /** A user or robot by its credentials; undefined when unknown, wrong, disabled or expired. */
  authenticate(username: string, password: string): Promise<Principal | undefined>;
  /**
   * What the principal may do on a repository (its project is the first path segment); [] when it
   * may not even see it (a private project it has no part in, or one that does not exist).
   */
  actionsOn(principal: Principal, repository: string): Promise<RepoAction[]>;
  /** The current principal a token subject names; undefined once it is deleted, disabled or expired. */
  principal(name: string): Promise<Principal | undefined>;
  /** Which repositories the principal may see in the catalog (decided by their project). */
  catalogFilter(principal: Principal): Promise<(repository: string) => boolean>;
}
