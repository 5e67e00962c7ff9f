import type { Selectable } from 'kysely';
import type {
  ProjectRecord,
  ProxySettings,
  RobotRecord,
  SigningKeyRecord,
  SupplyChainSettings,
  UserRecord,
} from '../../../ports/access-store.js';
import type { RobotPermission } from '../../../services/access/principal.js';
import type { ProjectsTable, RobotsTable, SigningKeysTable, UsersTable } from '../schema-access.js';

/** Booleans are integers 0/1 on both dialects. */
export const bit = (b: boolean): number => (b ? 1 : 0);
const flag = (n: number | boolean): boolean => Number(n) !== 0;
const date = (ms: number | null): Date | null => (ms === null ? null : new Date(Number(ms)));
const num = (n: number | null): number | null => (n === null ? null : Number(n));

export function toProject(r: Selectable<ProjectsTable>): ProjectRecord {
  return {
    id: r.id,
    name: r.name,
    public: flag(r.public),
    quotaBytes: num(r.quota_bytes),
    pullRatePerMinute: num(r.pull_rate_per_minute),
    supplyChain: {
      requireSigned: flag(r.require_signed),
      trustedKeys: JSON.parse(r.trusted_keys) as string[],
      provenanceTagPattern: r.provenance_tag_pattern,
    },
    proxy:
      r.proxy_upstream === null
        ? null
        : {
            upstream: r.proxy_upstream,
            repositoryPrefix: r.proxy_repository_prefix,
            username: r.proxy_username,
            sealedPassword: r.proxy_password,
          },
    createdAt: new Date(Number(r.created_at)),
  };
}

/** The supply-chain columns of a project row. */
export function supplyChainColumns(s: SupplyChainSettings) {
  return {
    require_signed: bit(s.requireSigned),
    trusted_keys: JSON.stringify(s.trustedKeys),
    provenance_tag_pattern: s.provenanceTagPattern,
  };
}

/** The proxy columns of a project row (all null for an ordinary project). */
export function proxyColumns(p: ProxySettings | null) {
  return {
    proxy_upstream: p?.upstream ?? null,
    proxy_repository_prefix: p?.repositoryPrefix ?? null,
    proxy_username: p?.username ?? null,
    proxy_password: p?.sealedPassword ?? null,
  };
}

export function toUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    admin: flag(r.admin),
    disabled: flag(r.disabled),
    passwordHash: r.password_hash,
    passwordSalt: r.password_salt,
    createdAt: new Date(Number(r.created_at)),
  };
}

export function toRobot(r: Selectable<RobotsTable>): RobotRecord {
  return {
    id: r.id,
    name: r.name,
    projectId: r.project_id,
    description: r.description,
    permissions: JSON.parse(r.permissions) as RobotPermission[],
    secretHash: r.secret_hash,
    secretSalt: r.secret_salt,
    expiresAt: date(r.expires_at),
    disabled: flag(r.disabled),
    createdAt: new Date(Number(r.created_at)),
  };
}

export function toSigningKey(r: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: r.kid,
    privateJwk: r.private_jwk,
    createdAt: new Date(Number(r.created_at)),
    retiredAt: date(r.retired_at),
  };
}
