import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/index.js';
import { createV2Guard, type LoginFailure } from '../http/auth/index.js';
import { openGuard, type V2Guard } from '../http/distribution/guard.js';
import { tokenRoutes } from '../http/token/index.js';
import type { MetaStore } from '../ports/meta-store.js';
import type { AccessService } from '../services/access/index.js';
import { TokenService } from '../services/tokens/index.js';

export interface Auth {
  guard: V2Guard;
  tokens?: TokenService;
  /** The /token endpoint, when auth is on. */
  plugins: FastifyPluginAsync[];
}

/** Docker token auth on /v2 (and /token), or everything open with `auth: none`. */
export async function composeAuth(o: {
  config: Config;
  meta: MetaStore;
  access: AccessService;
  onLoginFailure: (f: LoginFailure) => unknown;
}): Promise<Auth> {
  const { config, access, onLoginFailure } = o;
  if (config.auth === 'none') return { guard: openGuard, plugins: [] };
  const tokens = new TokenService({
    signingKeys: o.meta.access.signingKeys,
    issuer: config.token.issuer,
    ttlSeconds: config.token.ttlSeconds,
  });
  await tokens.start();
  const service = config.token.service;
  const external = config.externalUrl ? { externalUrl: config.externalUrl } : {};
  const guard = createV2Guard({ access, tokens, service, onLoginFailure, ...external });
  const routes = async (app: FastifyInstance) =>
    tokenRoutes(app, { access, tokens, service, onLoginFailure });
  return { guard, tokens, plugins: [routes] };
}
