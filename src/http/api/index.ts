import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { CatalogStore } from '../../ports/catalog-store.js';
import type { Principal } from '../../services/access/principal.js';
import { requestContext } from '../../services/context.js';
import type { Registry } from '../../services/registry/index.js';
import type { LoginFailure } from '../auth/login-failure.js';
import type { ManagementAccess } from './access.js';
import { type ApiAuthenticator, basicAuthenticator } from './auth.js';
import type { ApiApp, ApiContext, ApiEvents, ApiLifecycle, ApiRetention, ApiSystem } from './context.js';
import { installApiErrorHandler } from './errors.js';
import { auditRoutes } from './routes/audit.js';
import { immutabilityRoutes } from './routes/immutability.js';
import { labelRoutes } from './routes/labels.js';
import { memberRoutes } from './routes/members.js';
import { projectRoutes } from './routes/projects.js';
import { promotionRoutes } from './routes/promotion.js';
import { replicationRoutes } from './routes/replication.js';
import { repositoryRoutes } from './routes/repositories.js';
import { retentionRoutes } from './routes/retention.js';
import { revocationRoutes } from './routes/revocation.js';
import { robotRoutes } from './routes/robots.js';
import { systemRoutes } from './routes/system.js';
import { tagHistoryRoutes } from './routes/tag-history.js';
import { userRoutes } from './routes/users.js';
import { webhookRoutes } from './routes/webhooks.js';
import { ErrorBody } from './schemas/common.js';

export type { ManagementAccess } from './access.js';
export { type ApiAuthenticator, basicAuthenticator } from './auth.js';
export type { AttachmentView } from './context.js';

export const API_PREFIX = '/api/v1';
const OPENAPI_PATH = '/openapi.json';

export interface ManagementApiOptions {
  access: ManagementAccess;
  /** `meta.catalog`: repository and artifact listings. */
  catalog: CatalogStore;
  /** Deletions (a forced project delete) go through the registry, so events follow. */
  registry: Registry;
  /**
   * The audit log and webhooks (pass `createEventing`'s result). Without it the audit and webhook
   * routes are not registered at all, so they are absent from the OpenAPI document too.
   */
  events?: ApiEvents;
  /** Tag history, immutability rules and labels; without it those routes are not registered. */
  lifecycle?: ApiLifecycle;
  /** Replication policies and executions; without it those routes are not registered. */
  replication?: ApiContext['replication'];
  /** Retention policies and runs; without it those routes are not registered. */
  retention?: ApiRetention;
  /** Garbage collection and scrub (system administrators); without it /system is not registered. */
  system?: ApiSystem;
  /** An artifact's signatures, attestations and SBOMs with their verification (the artifact view). */
  attachments?: ApiContext['attachments'];
  /** Promotion, rollback and revocation; without it those routes are not registered. */
  promotion?: ApiContext['promotion'];
  /** Replaces the default HTTP Basic check (through `access.authenticate`). */
  authenticate?: ApiAuthenticator;
  /** Told about every refused Basic login. */
  onLoginFailure?: (failure: LoginFailure) => unknown;
  /** The server version shown in the OpenAPI document. */
  version?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The management API caller, set by its onRequest hook. */
    apiPrincipal: Principal | null;
  }
}

const OPENAPI = (version: string) => ({
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Wharf management API',
      version,
      description:
        'Projects, members, users, robots, repositories and artifacts, the audit log and webhooks. ' +
        'Lists take `n` and `last` (cursor) and send `Link: <…>; rel="next"` when more follow. ' +
        'Errors are `{ errors: [{ code, message, detail }] }`.',
    },
    components: { securitySchemes: { basic: { type: 'http' as const, scheme: 'basic' } } },
    security: [{ basic: [] }],
  },
  // Shared schemas keep their $id as their component name (`ErrorBody`, not `def-0`).
  refResolver: {
    buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: string, i: number) =>
      typeof json.$id === 'string' ? json.$id : `def-${i}`,
  },
});

function principalOf(req: FastifyRequest): Principal {
  if (!req.apiPrincipal) throw new Error('management API handler ran without a principal');
  return req.apiPrincipal;
}

/**
 * The management REST API under /api/v1, with its OpenAPI 3.1 document at /api/v1/openapi.json
 * (generated from the route schemas; the only route that needs no login).
 *
 * The audit (`/audit`, `/projects/{project}/audit`) and webhook (`/projects/{project}/webhooks…`)
 * routes are registered only when `events` is given: an optional feature is a route group that
 * exists or not, rather than routes that answer 404, and the OpenAPI document says what is served.
 */
export function managementApi(opts: ManagementApiOptions): FastifyPluginAsync {
  const basic = opts.authenticate
    ? undefined
    : basicAuthenticator({
        access: opts.access,
        ...(opts.onLoginFailure ? { onLoginFailure: opts.onLoginFailure } : {}),
      });
  const authenticate = opts.authenticate ?? (basic as ApiAuthenticator);
  const ctx: ApiContext = {
    access: opts.access,
    catalog: opts.catalog,
    registry: opts.registry,
    ...(opts.attachments ? { attachments: opts.attachments } : {}),
    ...(opts.events ? { events: opts.events } : {}),
    ...(opts.replication ? { replication: opts.replication } : {}),
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    ...(opts.system ? { system: opts.system } : {}),
    ...(opts.promotion ? { promotion: opts.promotion } : {}),
    ...(opts.retention ? { retention: opts.retention } : {}),
    principal: principalOf,
    credentialsChanged: () => basic?.forget(),
  };
  const scope = async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>() as ApiApp;
    await app.register(swagger, OPENAPI(opts.version ?? '0.0.0'));
    installApiErrorHandler(app);
    app.addSchema(ErrorBody);
    app.decorateRequest('apiPrincipal', null);
    app.addHook('onRequest', async (req) => {
      if (req.url === `${API_PREFIX}${OPENAPI_PATH}`) return;
      req.apiPrincipal = await authenticate(req);
    });
    // Services see who is asking (events, audit) without an extra parameter.
    app.addHook('onRoute', (route) => {
      const handler = route.handler as RouteHandlerMethod;
      route.handler = function (req, reply) {
        const principal = req.apiPrincipal ?? { kind: 'anonymous' as const };
        return requestContext.run({ principal, clientIp: req.ip }, () => handler.call(this, req, reply));
      };
    });
    app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
    for (const routes of [projectRoutes, memberRoutes, userRoutes, robotRoutes, repositoryRoutes]) {
      await routes(app, ctx);
    }
    if (ctx.events) {
      const withEvents = { ...ctx, events: ctx.events };
      for (const routes of [auditRoutes, webhookRoutes]) await routes(app, withEvents);
    }
    if (ctx.lifecycle) {
      const withLifecycle = { ...ctx, lifecycle: ctx.lifecycle };
      for (const routes of [tagHistoryRoutes, immutabilityRoutes, labelRoutes])
        await routes(app, withLifecycle);
    }
    if (ctx.replication) await replicationRoutes(app, { ...ctx, replication: ctx.replication });
    if (ctx.system) await systemRoutes(app, { ...ctx, system: ctx.system });
    if (ctx.promotion) {
      const withPromotion = { ...ctx, promotion: ctx.promotion };
      for (const routes of [promotionRoutes, revocationRoutes]) await routes(app, withPromotion);
    }
    if (ctx.retention) await retentionRoutes(app, { ...ctx, retention: ctx.retention });
  };
  return async (root) => {
    await root.register(scope, { prefix: API_PREFIX });
  };
}
