import { randomBytes } from 'node:crypto';
import type {
  ManagementAccess,
  MemberView,
  NewRobot,
  Paging,
  ProjectPatch,
  ProjectView,
  RobotPatch,
  RobotView,
  UserPatch,
  UserView,
} from '../../../src/http/api/access.js';
import type { Principal, ProjectAction, Role } from '../../../src/services/access/principal.js';

/** Shaped like the access service's typed error: the API maps its code. */
export class AccessError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'FORBIDDEN',
    message: string,
  ) {
    super(message);
    this.name = 'AccessError';
  }
}

const ROLE_ACTIONS: Record<Role, ProjectAction[]> = {
  projectAdmin: ['pull', 'push', 'delete', 'list', 'manage'],
  maintainer: ['pull', 'push', 'delete', 'list'],
  developer: ['pull', 'push', 'list'],
  guest: ['pull', 'list'],
  limitedGuest: ['pull'],
};

const byName = <T>(m: Map<string, T>, page: Paging, key: (v: T) => string): T[] =>
  [...m.values()]
    .sort((a, b) => (key(a) < key(b) ? -1 : 1))
    .filter((v) => page.last === undefined || key(v) > page.last)
    .slice(0, page.n);

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new AccessError('NOT_FOUND', `${what} not found`);
  return v;
}

/**
 * A working in-memory ManagementAccess (Harbor roles, robots with secrets) standing in for the
 * SQL-backed access service until it lands.
 */
export class MemoryManagementAccess implements ManagementAccess {
  private readonly userRows = new Map<string, UserView & { id: number; password: string }>();
  private readonly projectRows = new Map<string, ProjectView & { members: Map<string, Role> }>();
  private readonly robotRows = new Map<string, RobotView & { id: number; secret: string }>();
  private nextId = 1;

  async authenticate(username: string, secret: string): Promise<Principal | undefined> {
    const u = this.userRows.get(username);
    if (u && !u.disabled && u.password === secret)
      return { kind: 'user', id: u.id, name: u.username, admin: u.admin };
    const r = this.robotRows.get(username);
    if (!r || r.disabled || r.secret !== secret || (r.expiresAt && r.expiresAt < new Date()))
      return undefined;
    return { kind: 'robot', id: r.id, name: r.name, permissions: r.permissions };
  }

  async actionsOn(principal: Principal, project: string): Promise<ProjectAction[]> {
    const p = this.projectRows.get(project);
    if (!p) return [];
    if (principal.kind === 'user' && principal.admin) return ['pull', 'push', 'delete', 'list', 'manage'];
    const own = new Set<ProjectAction>(p.public ? ['pull'] : []);
    if (p.public && principal.kind !== 'anonymous') own.add('list');
    const role = principal.kind === 'user' ? p.members.get(principal.name) : undefined;
    for (const a of role ? ROLE_ACTIONS[role] : []) own.add(a);
    if (principal.kind === 'robot') {
      for (const perm of principal.permissions)
        if (perm.project === project || perm.project === '*') for (const a of perm.actions) own.add(a);
    }
    return [...own];
  }

  readonly projects: ManagementAccess['projects'] = {
    list: async (page) => byName(this.projectRows, page, (p) => p.name).map(({ members: _, ...p }) => p),
    get: async (name) => {
      const p = this.projectRows.get(name);
      if (!p) return undefined;
      const { members: _, ...view } = p;
      return view;
    },
    create: async (p) => {
      if (this.projectRows.has(p.name)) throw new AccessError('CONFLICT', `project ${p.name} exists`);
      this.projectRows.set(p.name, { ...p, createdAt: new Date(), members: new Map() });
      return must(await this.projects.get(p.name), 'project');
    },
    update: async (name, patch: ProjectPatch) => {
      const p = must(this.projectRows.get(name), 'project');
      Object.assign(p, patch);
      return must(await this.projects.get(name), 'project');
    },
    delete: async (name) => {
      must(this.projectRows.get(name), 'project');
      this.projectRows.delete(name);
    },
  };

  readonly members: ManagementAccess['members'] = {
    list: async (project) =>
      [...must(this.projectRows.get(project), 'project').members].map(([username, role]) => ({
        username,
        role,
      })),
    set: async (project, username, role): Promise<MemberView> => {
      const p = must(this.projectRows.get(project), 'project');
      must(this.userRows.get(username), 'user');
      p.members.set(username, role);
      return { username, role };
    },
    remove: async (project, username) => {
      const p = must(this.projectRows.get(project), 'project');
      if (!p.members.delete(username)) throw new AccessError('NOT_FOUND', `${username} is not a member`);
    },
  };

  private userView(name: string): UserView {
    const { id: _, password: __, ...view } = must(this.userRows.get(name), 'user');
    return view;
  }

  readonly users: ManagementAccess['users'] = {
    list: async (page) =>
      byName(this.userRows, page, (u) => u.username).map((u) => this.userView(u.username)),
    get: async (username) => (this.userRows.has(username) ? this.userView(username) : undefined),
    create: async (u) => {
      if (this.userRows.has(u.username)) throw new AccessError('CONFLICT', `user ${u.username} exists`);
      this.userRows.set(u.username, { ...u, id: this.nextId++, disabled: false, createdAt: new Date() });
      return this.userView(u.username);
    },
    update: async (username, patch: UserPatch) => {
      Object.assign(must(this.userRows.get(username), 'user'), patch);
      return this.userView(username);
    },
    delete: async (username) => {
      must(this.userRows.get(username), 'user');
      this.userRows.delete(username);
    },
  };

  private robotView(name: string): RobotView {
    const { id: _, secret: __, ...view } = must(this.robotRows.get(name), 'robot');
    return view;
  }

  readonly robots: ManagementAccess['robots'] = {
    list: async (project) =>
      [...this.robotRows.values()].filter((r) => r.project === project).map((r) => this.robotView(r.name)),
    get: async (name) => (this.robotRows.has(name) ? this.robotView(name) : undefined),
    create: async (r: NewRobot) => {
      const name = r.project === null ? `robot$${r.name}` : `robot$${r.project}+${r.name}`;
      if (this.robotRows.has(name)) throw new AccessError('CONFLICT', `robot ${name} exists`);
      const secret = randomBytes(16).toString('base64url');
      this.robotRows.set(name, {
        ...r,
        name,
        disabled: false,
        createdAt: new Date(),
        id: this.nextId++,
        secret,
      });
      return { robot: this.robotView(name), secret };
    },
    update: async (name, patch: RobotPatch) => {
      Object.assign(must(this.robotRows.get(name), 'robot'), patch);
      return this.robotView(name);
    },
    delete: async (name) => {
      must(this.robotRows.get(name), 'robot');
      this.robotRows.delete(name);
    },
    rotate: async (name) => {
      const r = must(this.robotRows.get(name), 'robot');
      r.secret = randomBytes(16).toString('base64url');
      return { robot: this.robotView(name), secret: r.secret };
    },
  };
}
