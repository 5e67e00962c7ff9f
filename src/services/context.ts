import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from './access/principal.js';

/**
 * Who made the current request and from where. Set once per request by the HTTP layer; read by
 * the decorators (events, audit, rate limits) so services need no HTTP types and no extra parameters.
 */
export interface RequestContext {
  principal: Principal;
  clientIp: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** The current request's context, or a system context for work outside any request (jobs, start-up). */
export function currentContext(): RequestContext {
  return requestContext.getStore() ?? { principal: { kind: 'anonymous' }, clientIp: '' };
}
