import { type AccessDecisions, projectOf } from '../../src/http/auth/index.js';
import type { Principal, RepoAction, RobotPermission, Role } from '../../src/services/access/principal.js';

/** Harbor's role permissions on repositories. */
const ROLE_ACTIONS: Record<Role, RepoAction[]> = {
  projectAdmin: ['pull', 'push', 'delete', 'list'],
  maintainer: ['pull', 'push', 'delete', 'list'],
  developer: ['pull', 'push', 'list'],
  guest: ['pull', 'list'],
  limitedGuest: ['pull'],
};

interface Project {
  public: boolean;
  members: Map<string, Role>;
}

/**
 * A working in-memory access service for the /v2 and /token tests (users, robots, projects and
 * Harbor roles), standing in until the SQL-backed AccessService is wired into the harness.
 */
export class MemoryAccess implements AccessDecisions {
  private readonly users = new Map<string, { id: number; password: string; admin: boolean }>();
  private readonly robots = new Map<
    string,
    { id: number; secret: string; permissions: RobotPermission[]; expiresAt?: Date }
  >();
  private readonly projects = new Map<string, Project>();
  private nextId = 1;

  addUser(name: string, password: string, admin = false): void {
    this.users.set(name, { id: this.nextId++, password, admin });
  }

  addRobot(name: string, secret: string, permissions: RobotPermission[], expiresAt?: Date): void {
    this.robots.set(name, { id: this.nextId++, secret, permissions, ...(expiresAt ? { expiresAt } : {}) });
  }

  addProject(name: string, isPublic: boolean, members: Record<string, Role> = {}): void {
    this.projects.set(name, { public: isPublic, members: new Map(Object.entries(members)) });
  }

  deleteUser(name: string): void {
    this.users.delete(name);
  }

  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    const p = await this.principal(username);
    const secret = this.users.get(username)?.password ?? this.robots.get(username)?.secret;
    return p && secret === password ? p : undefined;
  }

  async principal(name: string): Promise<Principal | undefined> {
    const user = this.users.get(name);
    if (user) return { kind: 'user', id: user.id, name, admin: user.admin };
    const robot = this.robots.get(name);
    if (!robot || (robot.expiresAt && robot.expiresAt.getTime() < Date.now())) return undefined;
    return { kind: 'robot', id: robot.id, name, permissions: robot.permissions };
  }

  async actionsOn(principal: Principal, name: string): Promise<RepoAction[]> {
    const project = this.projects.get(name);
    if (principal.kind === 'user' && principal.admin) return ['pull', 'push', 'delete', 'list'];
    if (!project) return [];
    const own = new Set<RepoAction>(project.public ? ['pull'] : []);
    if (project.public && principal.kind !== 'anonymous') own.add('list');
    const role = principal.kind === 'user' ? project.members.get(principal.name) : undefined;
    if (role) for (const a of ROLE_ACTIONS[role]) own.add(a);
    if (principal.kind === 'robot') {
      for (const perm of principal.permissions)
        if (perm.project === name || perm.project === '*') for (const a of perm.actions) own.add(a);
    }
    return [...own];
  }

  async catalogFilter(principal: Principal): Promise<(repository: string) => boolean> {
    const visible = new Set<string>();
    for (const name of this.projects.keys()) {
      if ((await this.actionsOn(principal, name)).length > 0) visible.add(name);
    }
    return (repository) =>
      (principal.kind === 'user' && principal.admin) || visible.has(projectOf(repository));
  }
}
