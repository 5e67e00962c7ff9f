import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../services/access/principal.js';
import type { RouteMatch } from './routes.js';

export interface V2Decision {
  /** For a mount request: whether the source repository may be read; if not, it becomes a plain upload. */
  mountAllowed?: boolean;
}

/**
 * Who may do what on /v2. `authenticate` and `authorize` throw RegistryErrors (401 with a challenge,
 * 403 DENIED, 404 NAME_UNKNOWN for what the principal may not even see).
 */
export interface V2Guard {
  authenticate(req: FastifyRequest): Promise<Principal>;
  authorize(
    principal: Principal,
    match: RouteMatch,
    method: string,
    query: URLSearchParams,
  ): Promise<V2Decision>;
  /** Which repositories the principal may see in the catalog. */
  catalogFilter(principal: Principal): Promise<(repository: string) => boolean>;
}

/** `auth: none`: everyone is an anonymous principal allowed everything (local experiments only). */
export const openGuard: V2Guard = {
  authenticate: async () => ({ kind: 'anonymous' }),
  authorize: async () => ({ mountAllowed: true }),
  catalogFilter: async () => () => true,
};

/** Whether a /v2 request reads content (what pull rate limits count). */
export function isPull(match: RouteMatch, method: string): boolean {
  return method === 'GET' && (match.kind === 'manifest' || match.kind === 'blob');
}
