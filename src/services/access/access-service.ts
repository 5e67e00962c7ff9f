import { randomBytes } from 'node:crypto';
import type { AccessStore, MemberRecord, ProjectRecord } from '../../ports/access-store.js';
import type { SecretBox } from '../secrets/index.js';
import { AccessContext, type CacheOptions } from './context.js';
import { Authenticator } from './credentials.js';
import { Decisions } from './decisions.js';
import { isAccessError } from './errors.js';
import { MemberAdmin } from './members.js';
import type { Principal, ProjectAction, Role } from './principal.js';
import { type NewProject, type Page, ProjectAdmin, type ProjectPatch } from './projects.js';
import { type NewRobot, type Robot, RobotAdmin, type RobotPatch } from './robots.js';
import { type NewUser, type User, UserAdmin, type UserPatch } from './users.js';

export interface AccessServiceOptions {
  store: AccessStore;
  /** Operational messages (never a password or secret). */
  log?: (msg: string) => void;
  cache?: CacheOptions;
  /** Seals upstream credentials of proxy cache projects; absent: proxies may only be anonymous. */
  secrets?: SecretBox;
}

export const BOOTSTRAP_ADMIN = 'admin';

/**
 * Users, projects, members and robots, and the decisions built on them: who a credential is,
 * what a principal may do on a project, which projects it may see. Management methods throw
 * AccessError (NOT_FOUND, CONFLICT, INVALID, FORBIDDEN); permission checks on the caller of a
 * management method are the caller's (through `actionsOn` and the admin flag).
 */
export class AccessService {
  private readonly ctx: AccessContext;
  private readonly auth: Authenticator;
  private readonly decisions: Decisions;
  private readonly projects: ProjectAdmin;
  private readonly users: UserAdmin;
  private readonly members: MemberAdmin;
  private readonly robots: RobotAdmin;

  constructor(options: AccessServiceOptions) {
    this.ctx = new AccessContext(options.store, options.log ?? (() => {}), options.cache);
    this.auth = new Authenticator(this.ctx);
    this.decisions = new Decisions(this.ctx);
    this.projects = new ProjectAdmin(this.ctx, options.secrets);
    this.users = new UserAdmin(this.ctx);
    this.members = new MemberAdmin(this.ctx, this.projects, this.users);
    this.robots = new RobotAdmin(this.ctx, this.projects);
  }

  // --- decisions ---------------------------------------------------------------------------

  /** A user or robot (`robot$…`) by its credentials; undefined when unknown, wrong, disabled or expired. */
  authenticate(username: string, secret: string): Promise<Principal | undefined> {
    return this.auth.authenticate(username, secret);
  }

  /** The current principal a name stands for (a token subject); undefined once deleted, disabled or expired. */
  principal(name: string): Promise<Principal | undefined> {
    return this.auth.principal(name);
  }

  /** The project (undefined when absent) and the principal's actions on it; see Decisions.actionsOn. */
  actionsOn(
    principal: Principal,
    projectName: string,
  ): Promise<{ project: ProjectRecord | undefined; actions: Set<ProjectAction> }> {
    return this.decisions.actionsOn(principal, projectName);
  }

  /** Projects whose repositories the principal may see in `_catalog`; 'all' for a system admin. */
  visibleProjects(principal: Principal): Promise<Set<string> | 'all'> {
    return this.decisions.visibleProjects(principal);
  }

  // --- bootstrap ---------------------------------------------------------------------------

  /**
   * On a database without users, creates the system admin `admin` with `password`, or with a
   * generated one that is returned (the caller prints it once). Once any user exists this changes
   * nothing: a configured password (WHARF_ADMIN_PASSWORD) is then ignored, with a log line saying
   * so, and never overwrites a password set since. Safe when several replicas start at once.
   */
  async ensureAdmin(options: { password?: string } = {}): Promise<{ generatedPassword?: string }> {
    const configured = options.password === '' ? undefined : options.password;
    if ((await this.ctx.store.users.count()) > 0) {
      if (configured !== undefined)
        this.ctx.log(
          'access: users exist, so the configured admin password is ignored (change it with the API or CLI)',
        );
      return {};
    }
    const generated = configured === undefined ? randomBytes(18).toString('base64url') : undefined;
    try {
      await this.users.create({
        username: BOOTSTRAP_ADMIN,
        password: configured ?? generated ?? '',
        admin: true,
      });
    } catch (err) {
      if (isAccessError(err, 'CONFLICT')) return {}; // another replica got there first
      throw err;
    }
    return generated === undefined ? {} : { generatedPassword: generated };
  }

  /** The project through this process's short-lived lookup cache (hot paths: quotas, rate limits). */
  findProject(name: string): Promise<ProjectRecord | undefined> {
    return this.ctx.project(name);
  }

  /** The project, created private when absent (auto-creation on first push by an admin). */
  ensureProject(name: string): Promise<ProjectRecord> {
    return this.projects.ensure(name);
  }

  // --- projects ----------------------------------------------------------------------------

  createProject(p: NewProject): Promise<ProjectRecord> {
    return this.projects.create(p);
  }
  getProject(name: string): Promise<ProjectRecord | undefined> {
    return this.projects.get(name);
  }
  listProjects(page?: Page): Promise<ProjectRecord[]> {
    return this.projects.list(page);
  }
  updateProject(name: string, patch: ProjectPatch): Promise<ProjectRecord> {
    return this.projects.update(name, patch);
  }
  /** Deletes the project, its members and its robots; its repositories are the caller's business. */
  deleteProject(name: string): Promise<void> {
    return this.projects.delete(name);
  }

  // --- users -------------------------------------------------------------------------------

  createUser(u: NewUser): Promise<User> {
    return this.users.create(u);
  }
  getUser(username: string): Promise<User | undefined> {
    return this.users.get(username);
  }
  listUsers(page?: Page): Promise<User[]> {
    return this.users.list(page);
  }
  updateUser(username: string, patch: UserPatch): Promise<User> {
    return this.users.update(username, patch);
  }
  setPassword(username: string, password: string): Promise<User> {
    return this.users.update(username, { password });
  }
  setAdmin(username: string, admin: boolean): Promise<User> {
    return this.users.update(username, { admin });
  }
  /** Disables (or, with `false`, re-enables) a user: its credentials stop working at once. */
  disableUser(username: string, disabled = true): Promise<User> {
    return this.users.update(username, { disabled });
  }
  deleteUser(username: string): Promise<void> {
    return this.users.delete(username);
  }

  // --- members -----------------------------------------------------------------------------

  /** Adds the user to the project or changes its role there. */
  addMember(project: string, username: string, role: Role): Promise<MemberRecord> {
    return this.members.add(project, username, role);
  }
  removeMember(project: string, username: string): Promise<void> {
    return this.members.remove(project, username);
  }
  listMembers(project: string): Promise<MemberRecord[]> {
    return this.members.list(project);
  }

  // --- robots ------------------------------------------------------------------------------

  /** The secret is returned once; only its hash is kept. */
  createRobot(r: NewRobot): Promise<{ robot: Robot; secret: string }> {
    return this.robots.create(r);
  }
  getRobot(name: string): Promise<Robot | undefined> {
    return this.robots.get(name);
  }
  /** A project's robots, or the system robots when `project` is omitted. */
  listRobots(project?: string): Promise<Robot[]> {
    return this.robots.list(project);
  }
  updateRobot(name: string, patch: RobotPatch): Promise<Robot> {
    return this.robots.update(name, patch);
  }
  /** Returns the new secret; the old one stops working at once. */
  rotateRobotSecret(name: string): Promise<string> {
    return this.robots.rotateSecret(name);
  }
  setRobotDisabled(name: string, disabled: boolean): Promise<Robot> {
    return this.robots.setDisabled(name, disabled);
  }
  deleteRobot(name: string): Promise<void> {
    return this.robots.delete(name);
  }
}
