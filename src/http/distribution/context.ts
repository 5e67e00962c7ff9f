import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../services/access/principal.js';
import type { Registry } from '../../services/registry/index.js';
import type { V2Decision, V2Guard } from './guard.js';
import type { RouteMatch } from './routes.js';

/** What every /v2 handler gets: the parsed route and query, and the registry domain. */
export interface V2Context {
  req: FastifyRequest;
  reply: FastifyReply;
  match: RouteMatch;
  query: URLSearchParams;
  registry: Registry;
  principal: Principal;
  decision: V2Decision;
  guard: V2Guard;
}

export type V2Handler = (ctx: V2Context) => Promise<unknown>;

/** Whether the request carries a body at all (Content-Length > 0, or a chunked transfer). */
export function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return len !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}
