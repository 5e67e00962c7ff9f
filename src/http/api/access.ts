import type {
  MemberRecord,
  ProjectRecord,
  RobotRecord,
  SupplyChainSettings,
  UserRecord,
} from '../../ports/access-store.js';
import type { Principal, ProjectAction, RobotPermission, Role } from '../../services/access/principal.js';
import type { ProxyInput } from '../../services/proxy/settings.js';

/** A proxy setting as the API shows it: the upstream login's name, never its password. */
export interface ProxyView {
  upstream: string;
  repositoryPrefix: string | null;
  credentials: { username: string } | null;
}

export type ProjectView = Omit<ProjectRecord, 'id' | 'proxy'> & { proxy: ProxyView | null };
export type NewProjectInput = Omit<ProjectView, 'createdAt' | 'supplyChain' | 'proxy'> & {
  proxy?: ProxyInput | null;
};
export type UserView = Omit<UserRecord, 'id' | 'passwordHash' | 'passwordSalt'>;
export type MemberView = Pick<MemberRecord, 'username' | 'role'>;
export type RobotView = Omit<RobotRecord, 'id' | 'projectId' | 'secretHash' | 'secretSalt'> & {
  /** Owning project; null for system robots. */
  project: string | null;
};

export interface Paging {
  last?: string;
  n: number;
}

export type ProjectPatch = Partial<Pick<ProjectRecord, 'public' | 'quotaBytes' | 'pullRatePerMinute'>> & {
  /** Merged into the project's current supply-chain rules. */
  supplyChain?: Partial<SupplyChainSettings>;
  /** Replaces the proxy setting; null: no longer a proxy. */
  proxy?: ProxyInput | null;
};
export type UserPatch = Partial<Pick<UserRecord, 'admin' | 'disabled' | 'email'>> & { password?: string };
export type RobotPatch = Partial<Pick<RobotRecord, 'description' | 'permissions' | 'disabled' | 'expiresAt'>>;

export interface NewRobot {
  /** Owning project, or null for a system robot. */
  project: string | null;
  /** The short name; the service builds `robot$<project>+<name>` or `robot$<name>`. */
  name: string;
  description: string | null;
  permissions: RobotPermission[];
  expiresAt: Date | null;
}

/**
 * What the management API asks of the access service. Every method may throw an error whose `code`
 * is NOT_FOUND, CONFLICT, INVALID or FORBIDDEN (the access service's AccessError); the API maps them
 * to 404, 409, 400 and 403. Permission checks are the API's (through `actionsOn` and the admin flag).
 */
export interface ManagementAccess {
  /** A user or robot by its credentials; undefined when unknown, wrong, disabled or expired. */
  authenticate(username: string, secret: string): Promise<Principal | undefined>;
  /** What the principal may do on a project; [] when it may not see it or it does not exist. */
  actionsOn(principal: Principal, project: string): Promise<ProjectAction[]>;
  projects: {
    /** Every project, by name after `last`. */
    list(page: Paging): Promise<ProjectView[]>;
    get(name: string): Promise<ProjectView | undefined>;
    create(p: NewProjectInput): Promise<ProjectView>;
    update(name: string, patch: ProjectPatch): Promise<ProjectView>;
    delete(name: string): Promise<void>;
  };
  members: {
    list(project: string): Promise<MemberView[]>;
    /** Adds the user or changes its role. */
    set(project: string, username: string, role: Role): Promise<MemberView>;
    remove(project: string, username: string): Promise<void>;
  };
  users: {
    list(page: Paging): Promise<UserView[]>;
    get(username: string): Promise<UserView | undefined>;
    create(u: {
      username: string;
      password: string;
      email: string | null;
      admin: boolean;
    }): Promise<UserView>;
    update(username: string, patch: UserPatch): Promise<UserView>;
    delete(username: string): Promise<void>;
  };
  robots: {
    /** Robots of a project, or system robots (null). */
    list(project: string | null): Promise<RobotView[]>;
    get(name: string): Promise<RobotView | undefined>;
    /** The secret is returned once and only its hash is kept. */
    create(r: NewRobot): Promise<{ robot: RobotView; secret: string }>;
    update(name: string, patch: RobotPatch): Promise<RobotView>;
    delete(name: string): Promise<void>;
    /** A new secret replaces the old one, which stops working at once. */
    rotate(name: string): Promise<{ robot: RobotView; secret: string }>;
  };
}
