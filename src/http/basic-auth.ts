import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../oci/errors.js';
import { type AdminAccount, verifyPassword } from '../services/access/admin.js';
import type { Principal } from '../services/access/principal.js';
import { TtlCache } from '../services/registry/ttl-cache.js';
import { openGuard, type V2Guard } from './distribution/guard.js';

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="wharf"' };

function unauthorized(message = 'authentication required'): RegistryError {
  return new RegistryError('UNAUTHORIZED', message, { headers: CHALLENGE });
}

function parseBasic(header: string): { user: string; password: string } | undefined {
  if (!/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic against the admin account. Password hashing is deliberately slow, so a verified
 * header is remembered (by its SHA-256, never in clear) for a minute.
 */
export function basicGuard(admin: AdminAccount): V2Guard {
  const verified = new TtlCache<true>(60_000, 1_000);
  const principal: Principal = { kind: 'user', id: 0, name: admin.username, admin: true };
  const authenticate = async (req: FastifyRequest): Promise<Principal> => {
    const header = req.headers.authorization;
    if (!header) throw unauthorized();
    const key = createHash('sha256').update(header).digest('base64');
    if (verified.get(key)) return principal;
    const creds = parseBasic(header);
    if (!creds || creds.user !== admin.username || !(await verifyPassword(creds.password, admin.hash))) {
      throw unauthorized('invalid credentials');
    }
    verified.set(key, true);
    return principal;
  };
  return { ...openGuard, authenticate };
}
