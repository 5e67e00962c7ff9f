import type { RepoAction, Role } from '../services/access/principal.js';

export interface ProjectRecord {
  id: number;
  /** Equals the first path segment of its repositories' names (`team-payments` for `team-payments/api`). */
  name: string;
  public: boolean;
  /** Storage quota in bytes; null means unlimited. */
  quotaBytes: number | null;
  /** Pulls per minute allowed for the whole project; null means unlimited. */
  pullRatePerMinute: number | null;
  /** Signed-only pulls and provenance at push (services/supplychain); off by default. */
  supplyChain: SupplyChainSettings;
  /** Set: a proxy cache of an upstream registry (services/proxy), read-only to clients. */
  proxy: ProxySettings | null;
  createdAt: Date;
}

/** A proxy cache project's upstream, as stored (the password sealed, never in clear). */
export interface ProxySettings {
  /** The upstream registry's origin: `https://registry-1.docker.io`, `http://10.0.0.5:5000`. */
  upstream: string;
  /** Put before the path under the project (`proxy/app` → `<prefix>/app` upstream); null: none. */
  repositoryPrefix: string | null;
  /** Upstream login; null: anonymous. */
  username: string | null;
  /** The upstream password sealed by services/secrets (bound to the project name); null: none. */
  sealedPassword: string | null;
}

/** A project's supply-chain rules, enforced by the registry (services/supplychain/README.md). */
export interface SupplyChainSettings {
  /** Manifest pulls need a signature by one of `trustedKeys` (signature artifacts themselves excepted). */
  requireSigned: boolean;
  /** PEM `PUBLIC KEY` blocks (PKIX SPKI), one key per entry, as cosign's `cosign.pub`. */
  trustedKeys: string[];
  /**
   * Tags matching this glob (`*` any run, `?` one character; `v*`) are refused unless the image
   * carries a SLSA provenance attestation signed by a trusted key. null: no such rule.
   */
  provenanceTagPattern: string | null;
}

/** What a project has before anyone sets its supply-chain rules: nothing enforced. */
export const NO_SUPPLY_CHAIN_RULES: SupplyChainSettings = Object.freeze({
  requireSigned: false,
  trustedKeys: [],
  provenanceTagPattern: null,
}) as SupplyChainSettings;

export interface UserRecord {
  id: number;
  username: string;
  email: string | null;
  admin: boolean;
  disabled: boolean;
  /** scrypt hash and salt (base64); never leaves the access service. */
  passwordHash: string;
  passwordSalt: string;
  createdAt: Date;
}

export interface MemberRecord {
  projectId: number;
  userId: number;
  username: string;
  role: Role;
}

export interface RobotRecord {
  id: number;
  /** `robot$<project>+<name>` for project robots, `robot$<name>` for system robots. */
  name: string;
  /** Owning project for project-level robots; null for system-level robots. */
  projectId: number | null;
  description: string | null;
  permissions: { project: string; actions: RepoAction[] }[];
  secretHash: string;
  secretSalt: string;
  /** null: never expires. */
  expiresAt: Date | null;
  disabled: boolean;
  createdAt: Date;
}

export interface SigningKeyRecord {
  /** Key id (the JWT `kid`). */
  kid: string;
  /** Private key as a JWK JSON string. */
  privateJwk: string;
  createdAt: Date;
  /** Retired keys still verify tokens until they expire, but never sign. */
  retiredAt: Date | null;
}

/**
 * Users, projects, members, robots and token signing keys. One schema on SQLite and PostgreSQL.
 * Names are unique; `create*` throws ConflictError on a duplicate; `get*` returns undefined when absent;
 * `update` returns undefined when absent and the updated record otherwise (an empty patch changes nothing).
 * The store validates nothing beyond uniqueness and references: the access service does.
 */
export interface AccessStore {
  projects: {
    /** `supplyChain` defaults to NO_SUPPLY_CHAIN_RULES, `proxy` to null. */
    create(
      p: Omit<ProjectRecord, 'id' | 'createdAt' | 'supplyChain' | 'proxy'> & {
        supplyChain?: SupplyChainSettings;
        proxy?: ProxySettings | null;
      },
    ): Promise<ProjectRecord>;
    get(name: string): Promise<ProjectRecord | undefined>;
    getById(id: number): Promise<ProjectRecord | undefined>;
    /** Up to `n` projects by name (byte order) after `last`; only public (or private) ones when `public` is set. */
    list(page: { last?: string; n: number; public?: boolean }): Promise<ProjectRecord[]>;
    update(
      name: string,
      patch: Partial<
        Pick<ProjectRecord, 'public' | 'quotaBytes' | 'pullRatePerMinute' | 'supplyChain' | 'proxy'>
      >,
    ): Promise<ProjectRecord | undefined>;
    /** Deletes the project row (members and project robots go with it). Returns false when absent. */
    delete(name: string): Promise<boolean>;
  };
  users: {
    create(u: Omit<UserRecord, 'id' | 'createdAt'>): Promise<UserRecord>;
    get(username: string): Promise<UserRecord | undefined>;
    getById(id: number): Promise<UserRecord | undefined>;
    /** Up to `n` users by username (byte order) after `last`. */
    list(page: { last?: string; n: number }): Promise<UserRecord[]>;
    update(
      username: string,
      patch: Partial<Pick<UserRecord, 'email' | 'admin' | 'disabled' | 'passwordHash' | 'passwordSalt'>>,
    ): Promise<UserRecord | undefined>;
    delete(username: string): Promise<boolean>;
    count(): Promise<number>;
  };
  members: {
    /** Adds or changes a member's role. The project and the user must exist (the database refuses otherwise). */
    set(projectId: number, userId: number, role: Role): Promise<void>;
    /** Returns false when the user was not a member. */
    remove(projectId: number, userId: number): Promise<boolean>;
    role(projectId: number, userId: number): Promise<Role | undefined>;
    /** Members of a project, by username. */
    list(projectId: number): Promise<MemberRecord[]>;
    /** Projects a user belongs to, by project name, with the role in each. */
    projectsOf(userId: number): Promise<{ project: ProjectRecord; role: Role }[]>;
  };
  robots: {
    create(r: Omit<RobotRecord, 'id' | 'createdAt'>): Promise<RobotRecord>;
    get(name: string): Promise<RobotRecord | undefined>;
    /** Robots owned by a project (projectId) or system robots (null), by name. */
    list(projectId: number | null): Promise<RobotRecord[]>;
    update(
      name: string,
      patch: Partial<
        Pick<
          RobotRecord,
          'description' | 'permissions' | 'secretHash' | 'secretSalt' | 'expiresAt' | 'disabled'
        >
      >,
    ): Promise<RobotRecord | undefined>;
    delete(name: string): Promise<boolean>;
  };
  signingKeys: {
    /** Throws ConflictError when the kid is taken. */
    add(k: SigningKeyRecord): Promise<void>;
    /** All keys, newest first (retired ones included, for verification). */
    list(): Promise<SigningKeyRecord[]>;
    /** Sets retiredAt (a no-op for an unknown kid). */
    retire(kid: string, at: Date): Promise<void>;
  };
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
