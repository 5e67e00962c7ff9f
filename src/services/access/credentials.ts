import { createHash } from 'node:crypto';
import type { RobotRecord, UserRecord } from '../../ports/access-store.js';
import type { AccessContext } from './context.js';
import { MAX_SECRET, ROBOT_PREFIX, robotProject } from './names.js';
import { hashPassword, type PasswordHash, verifyPassword, verifySecret } from './passwords.js';
import type { Principal } from './principal.js';

export function userPrincipal(u: UserRecord): Principal {
  return { kind: 'user', id: u.id, name: u.username, admin: u.admin };
}

/** A project robot only ever acts on its own project, whatever its stored permissions say. */
export function robotPrincipal(r: RobotRecord): Principal {
  const owner = robotProject(r.name);
  const permissions = owner === null ? r.permissions : r.permissions.filter((p) => p.project === owner);
  return { kind: 'robot', id: r.id, name: r.name, permissions };
}

export const robotUsable = (r: RobotRecord, now: number): boolean =>
  !r.disabled && (r.expiresAt === null || r.expiresAt.getTime() > now);

/**
 * Verifies usernames and secrets: users by scrypt, robots (`robot$…`) by keyed SHA-256. A success
 * is cached under the SHA-256 of the pair for the credential TTL (never past a robot's expiry), so
 * a client sending Basic credentials on every request costs one hash a minute. Unknown names cost
 * the same hash as known ones.
 */
export class Authenticator {
  private readonly inflight = new Map<string, Promise<Principal | undefined>>();
  private dummy: Promise<PasswordHash> | undefined;

  constructor(private readonly ctx: AccessContext) {}

  async authenticate(username: string, secret: string): Promise<Principal | undefined> {
    if (username.length === 0 || username.length > 512 || secret.length === 0 || secret.length > MAX_SECRET)
      return undefined;
    const key = createHash('sha256')
      .update(JSON.stringify([username, secret]))
      .digest('base64');
    const hit = this.ctx.credentials.get(key);
    if (hit) return hit.value.principal;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.verify(key, username, secret).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** The current principal a name stands for (a token's subject); undefined once deleted, disabled or expired. */
  async principal(name: string): Promise<Principal | undefined> {
    const hit = this.ctx.principals.get(name);
    if (hit) return hit.value;
    const generation = this.ctx.generation;
    const now = Date.now();
    let found: Principal | undefined;
    let until = Number.POSITIVE_INFINITY;
    if (name.startsWith(ROBOT_PREFIX)) {
      const r = await this.ctx.store.robots.get(name);
      if (r && robotUsable(r, now)) found = robotPrincipal(r);
      until = r?.expiresAt?.getTime() ?? until;
    } else {
      const u = await this.ctx.store.users.get(name);
      if (u && !u.disabled) found = userPrincipal(u);
    }
    if (generation === this.ctx.generation) this.ctx.principals.set(name, found, until);
    return found;
  }

  private async verify(key: string, username: string, secret: string): Promise<Principal | undefined> {
    const generation = this.ctx.generation;
    const now = Date.now();
    let principal: Principal | undefined;
    let until = Number.POSITIVE_INFINITY;
    if (username.startsWith(ROBOT_PREFIX)) {
      const r = await this.ctx.store.robots.get(username);
      const ok = verifySecret(secret, r ? { hash: r.secretHash, salt: r.secretSalt } : DUMMY_SECRET);
      if (r && ok && robotUsable(r, now)) principal = robotPrincipal(r);
      until = r?.expiresAt?.getTime() ?? until;
    } else {
      const u = await this.ctx.store.users.get(username);
      const stored = u ? { hash: u.passwordHash, salt: u.passwordSalt } : await this.dummyHash();
      const ok = await verifyPassword(secret, stored);
      if (u && ok && !u.disabled) principal = userPrincipal(u);
    }
    if (principal && generation === this.ctx.generation)
      this.ctx.credentials.set(key, { name: username, principal }, until);
    return principal;
  }

  /** A hash to check unknown usernames against, so they take as long as known ones. */
  private dummyHash(): Promise<PasswordHash> {
    this.dummy ??= hashPassword(createHash('sha256').update(String(Math.random())).digest('hex'));
    return this.dummy;
  }
}

const DUMMY_SECRET: PasswordHash = {
  salt: 'AAAAAAAAAAAAAAAAAAAAAA==',
  hash: Buffer.alloc(32).toString('base64'),
};
