import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { AccessStore } from '../../ports/access-store.js';
import type { Principal, RepoAction } from '../access/principal.js';
import { ALG, KeyRing, type LoadedKey } from './key-ring.js';
import { isRepoAction, type Scope } from './scope.js';

export interface TokenServiceOptions {
  signingKeys: AccessStore['signingKeys'];
  /** JWT `iss`. */
  issuer: string;
  /** Token lifetime in seconds. */
  ttlSeconds: number;
  /** Tolerated clock difference between replicas, in seconds. */
  clockSkewSeconds?: number;
  /** How often the key set is re-read from the store, so replicas see each other's rotations. */
  reloadIntervalMs?: number;
  now?: () => Date;
}

export interface IssueRequest {
  principal: Principal;
  scopes: readonly Scope[];
  /** The `service` the client asked for (the JWT `aud`). */
  service: string;
  /** What the principal may do on a repository; [] when it may not even see it. */
  grant: (repository: string) => Promise<readonly RepoAction[]>;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
  issuedAt: Date;
}

export interface VerifiedToken {
  /** The principal's name; '' for an anonymous token. */
  subject: string;
  access: Scope[];
}

/** Why a token was refused; the HTTP layer answers all of them with 401 `invalid_token`. */
export class InvalidTokenError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'InvalidTokenError';
  }
}

function subjectOf(p: Principal): string {
  return p.kind === 'anonymous' ? '' : p.name;
}

async function granted(scope: Scope, req: IssueRequest): Promise<Scope | undefined> {
  if (scope.type === 'registry') {
    // The catalog is filtered per principal on /v2, so asking for it is never refused.
    return scope.name === 'catalog' ? { type: 'registry', name: 'catalog', actions: ['*'] } : undefined;
  }
  const allowed = await req.grant(scope.name);
  const wanted = scope.actions.includes('*') ? allowed : scope.actions.filter(isRepoAction);
  return { ...scope, actions: wanted.filter((a) => allowed.includes(a as RepoAction)) };
}

function parseAccess(claim: unknown): Scope[] {
  if (!Array.isArray(claim)) throw new InvalidTokenError('access claim missing');
  return claim.map((entry: unknown) => {
    const e = entry as Partial<Scope>;
    if (
      (e.type !== 'repository' && e.type !== 'registry') ||
      typeof e.name !== 'string' ||
      !Array.isArray(e.actions)
    ) {
      throw new InvalidTokenError('malformed access claim');
    }
    return {
      type: e.type,
      name: e.name,
      actions: e.actions.filter((a): a is string => typeof a === 'string'),
    };
  });
}

/**
 * Issues and verifies the registry's bearer tokens (docker token auth): ES256 JWTs whose `access`
 * claim is the intersection of what was asked and what is allowed. Unknown or invisible
 * repositories get an empty action list, never an error, so a token never reveals existence.
 */
export class TokenService {
  private readonly ring: KeyRing;
  private readonly skew: number;
  private readonly reloadMs: number;
  private readonly now: () => Date;
  private loadedAt = 0;
  /** When an unknown key id last made us re-read the keys (forged tokens must not hammer the store). */
  private missReloadAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: TokenServiceOptions) {
    this.ring = new KeyRing(opts.signingKeys);
    this.skew = opts.clockSkewSeconds ?? 30;
    this.reloadMs = opts.reloadIntervalMs ?? 60_000;
    this.now = opts.now ?? (() => new Date());
  }

  /** Loads the shared keys (creating the first one). Call once before serving. */
  async start(): Promise<void> {
    await this.reload();
  }

  private async reload(): Promise<void> {
    const now = this.now();
    await this.ring.load(now);
    this.loadedAt = now.getTime();
  }

  private stale(): boolean {
    return this.now().getTime() - this.loadedAt >= this.reloadMs;
  }

  async issue(req: IssueRequest): Promise<IssuedToken> {
    if (this.stale()) await this.reload();
    const access = (await Promise.all(req.scopes.map((s) => granted(s, req)))).filter(
      (s): s is Scope => s !== undefined,
    );
    const issuedAt = this.now();
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const key = this.ring.active();
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
      .setIssuer(this.opts.issuer)
      .setSubject(subjectOf(req.principal))
      .setAudience(req.service)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + this.opts.ttlSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, expiresIn: this.opts.ttlSeconds, issuedAt };
  }

  /** Checks signature, key, time window, issuer and audience; throws InvalidTokenError otherwise. */
  async verify(token: string, audience: string): Promise<VerifiedToken> {
    const key = await this.keyFor(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [ALG],
        issuer: this.opts.issuer,
        audience,
        clockTolerance: this.skew,
        currentDate: this.now(),
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (err) {
      const why = err instanceof errors.JOSEError ? err.code : 'ERR_JWT_INVALID';
      throw new InvalidTokenError(`token refused (${why})`, { cause: err });
    }
    if (key.retiredAt && payload.iat !== undefined && payload.iat > this.lastValidIat(key.retiredAt)) {
      throw new InvalidTokenError('token signed by a retired key');
    }
    return { subject: payload.sub ?? '', access: parseAccess(payload['access']) };
  }

  private async keyFor(token: string): Promise<LoadedKey> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch (err) {
      throw new InvalidTokenError('malformed token', { cause: err });
    }
    if (kid === undefined) throw new InvalidTokenError('token has no key id');
    let key = this.ring.find(kid);
    // A replica may have rotated since the last load: look again, but not more often than every few seconds.
    if (!key && this.now().getTime() - this.missReloadAt > 5_000) {
      this.missReloadAt = this.now().getTime();
      await this.reload();
      key = this.ring.find(kid);
    }
    if (!key) throw new InvalidTokenError('token signed by an unknown key');
    return key;
  }

  /** A retired key verifies only what it signed before retirement (plus the replicas' reload lag). */
  private lastValidIat(retiredAt: Date): number {
    return retiredAt.getTime() / 1000 + this.reloadMs / 1000 + this.skew;
  }

  /** Adds a new signing key and retires the old ones (which keep verifying until their tokens expire). */
  async rotate(): Promise<string> {
    const kid = await this.ring.rotate(this.now());
    this.loadedAt = this.now().getTime();
    return kid;
  }
}
