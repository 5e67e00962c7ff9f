import type { Generated } from 'kysely';

/**
 * Kysely table types of the access aggregate (migration: migrations/0002-access.ts). Timestamps are
 * epoch milliseconds; booleans are integers 0/1 on both dialects; names use the "C" collation on
 * PostgreSQL so listings sort by bytes as on SQLite.
 */
export interface AccessTables {
  projects: ProjectsTable;
  users: UsersTable;
  members: MembersTable;
  robots: RobotsTable;
  signing_keys: SigningKeysTable;
}

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  public: number;
  /** null: unlimited. */
  quota_bytes: number | null;
  /** null: unlimited. */
  pull_rate_per_minute: number | null;
  created_at: number;
  /** Supply-chain rules (migrations/0004-supply-chain.ts): 0/1. */
  require_signed: Generated<number>;
  /** JSON array of PEM public keys. */
  trusted_keys: Generated<string>;
  /** A tag glob; null: no provenance rule. */
  provenance_tag_pattern: string | null;
  /** Proxy cache upstream origin (migrations/0008-proxy.ts); null: an ordinary project. */
  proxy_upstream: string | null;
  proxy_repository_prefix: string | null;
  proxy_username: string | null;
  /** Sealed (services/secrets), never clear text. */
  proxy_password: string | null;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string | null;
  admin: number;
  disabled: number;
  password_hash: string;
  password_salt: string;
  created_at: number;
}

/** A user's role in a project; goes with either side. */
export interface MembersTable {
  project_id: number;
  user_id: number;
  role: string;
}

export interface RobotsTable {
  id: Generated<number>;
  name: string;
  /** null: a system-level robot. */
  project_id: number | null;
  description: string | null;
  /** JSON: `[{ "project": "team-a", "actions": ["pull", "push"] }]`. */
  permissions: string;
  secret_hash: string;
  secret_salt: string;
  /** null: never expires. */
  expires_at: number | null;
  disabled: number;
  created_at: number;
}

export interface SigningKeysTable {
  kid: string;
  private_jwk: string;
  created_at: number;
  retired_at: number | null;
}
