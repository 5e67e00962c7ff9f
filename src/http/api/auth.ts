import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../../oci/errors.js';
import type { Principal } from '../../services/access/principal.js';
import { TtlCache } from '../../services/registry/ttl-cache.js';
import { readCredentials } from '../auth/credentials.js';
import { type LoginFailure, reportLoginFailure } from '../auth/login-failure.js';
import type { ManagementAccess } from './access.js';

/** Resolves a request to its principal, or throws 401. */
export type ApiAuthenticator = (req: FastifyRequest) => Promise<Principal>;

export interface BasicAuthOptions {
  access: Pick<ManagementAccess, 'authenticate'>;
  /** Told about every refused login (audit, events); never given the password. */
  onLoginFailure?: (failure: LoginFailure) => unknown;
  /** How long a verified Authorization header is trusted without checking again. Default 10 s. */
  cacheMs?: number;
}

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="wharf-api", charset="UTF-8"' };

export function apiUnauthorized(message = 'authentication required'): RegistryError {
  return new RegistryError('UNAUTHORIZED', message, { headers: CHALLENGE });
}

/**
 * HTTP Basic for users and robots, checked by the access service. Registry Bearer tokens are not
 * accepted: they carry per-repository grants the management API could not honour. Password checks
 * are slow on purpose, so a verified header is remembered (by its SHA-256) for a few seconds;
 * `forget()` drops them all after a change to users or robots.
 */
export function basicAuthenticator(opts: BasicAuthOptions): ApiAuthenticator & { forget(): void } {
  let verified = new TtlCache<Principal>(opts.cacheMs ?? 10_000, 1_000);
  const authenticate = async (req: FastifyRequest): Promise<Principal> => {
    const creds = readCredentials(req.headers.authorization);
    if (creds.scheme === 'none') throw apiUnauthorized();
    if (creds.scheme !== 'basic') throw apiUnauthorized('the management API takes Basic credentials');
    const key = createHash('sha256')
      .update(req.headers.authorization ?? '')
      .digest('base64');
    const cached = verified.get(key);
    if (cached) return cached;
    const principal = await opts.access.authenticate(creds.username, creds.password);
    if (!principal) {
      await reportLoginFailure(opts.onLoginFailure, {
        username: creds.username,
        clientIp: req.ip,
        reason: 'invalid credentials',
      });
      throw apiUnauthorized('invalid username or password');
    }
    verified.set(key, principal);
    return principal;
  };
  return Object.assign(authenticate, {
    forget() {
      verified = new TtlCache<Principal>(opts.cacheMs ?? 10_000, 1_000);
    },
  });
}
