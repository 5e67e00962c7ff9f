import type { AccessStore, ProjectRecord } from '../../ports/access-store.js';
import type { Principal, Role } from './principal.js';
import { TtlCache } from './ttl-cache.js';

export interface CacheOptions {
  /** How long a verified username/secret pair is trusted without hashing again (default 60 s). */
  credentialTtlMs?: number;
  /** How long project, membership and principal lookups are reused (default 5 s). */
  lookupTtlMs?: number;
}

/**
 * What the parts of the access service share: the store, the log and the caches. Every change
 * goes through `changed()` so no cache outlives what it mirrors in this process; other replicas
 * see a change after at most the cache TTLs.
 */
export class AccessContext {
  readonly credentials: TtlCache<string, { name: string; principal: Principal }>;
  readonly projects: TtlCache<string, ProjectRecord | undefined>;
  readonly publicProjects: TtlCache<'public', string[]>;
  readonly roles: TtlCache<string, Role | undefined>;
  readonly principals: TtlCache<string, Principal | undefined>;
  /** Bumped on every change, so a verification that raced a change is not cached. */
  generation = 0;

  constructor(
    readonly store: AccessStore,
    readonly log: (msg: string) => void,
    cache: CacheOptions = {},
  ) {
    const lookup = cache.lookupTtlMs ?? 5_000;
    this.credentials = new TtlCache(cache.credentialTtlMs ?? 60_000);
    this.projects = new TtlCache(lookup);
    this.publicProjects = new TtlCache(lookup, 1);
    this.roles = new TtlCache(lookup);
    this.principals = new TtlCache(lookup);
  }

  /** A user's or robot's credentials, flags or permissions changed (or it is gone). */
  principalChanged(name: string): void {
    this.generation++;
    this.credentials.deleteWhere((v) => v.name === name);
    this.principals.delete(name);
  }

  /** A project changed or is gone; `all` also forgets every principal (project robots went with it). */
  projectChanged(name: string, all = false): void {
    this.generation++;
    this.projects.delete(name);
    this.publicProjects.clear();
    if (all) {
      this.credentials.clear();
      this.principals.clear();
      this.roles.clear();
    }
  }

  /** A membership changed; without arguments, any number of them (a user was deleted). */
  membershipChanged(projectId?: number, userId?: number): void {
    this.generation++;
    if (projectId === undefined || userId === undefined) this.roles.clear();
    else this.roles.delete(roleKey(projectId, userId));
  }

  async project(name: string): Promise<ProjectRecord | undefined> {
    const hit = this.projects.get(name);
    if (hit) return hit.value;
    const generation = this.generation;
    const project = await this.store.projects.get(name);
    if (generation === this.generation) this.projects.set(name, project);
    return project;
  }

  async role(projectId: number, userId: number): Promise<Role | undefined> {
    const key = roleKey(projectId, userId);
    const hit = this.roles.get(key);
    if (hit) return hit.value;
    const generation = this.generation;
    const role = await this.store.members.role(projectId, userId);
    if (generation === this.generation) this.roles.set(key, role);
    return role;
  }
}

export const roleKey = (projectId: number, userId: number) => `${projectId}:${userId}`;
