import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../../oci/errors.js';
import type { Principal } from '../../services/access/principal.js';
import { requestContext } from '../../services/context.js';
import type { Registry } from '../../services/registry/index.js';
import { deleteBlob, getBlob, headBlob } from './blob-routes.js';
import type { V2Handler } from './context.js';
import { isPull, type V2Guard } from './guard.js';
import { base, catalog, listTags, referrers } from './listing-routes.js';
import {
  deleteManifest,
  getManifest,
  headManifest,
  type ManifestGate,
  type ManifestPulled,
  putManifest,
} from './manifest-routes.js';
import { matchRoute, type RouteKind, type RouteMatch, splitUrl } from './routes.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './upload-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The operation a request was dispatched to (for metrics), e.g. `manifest_get`. */
    routeLabel: string;
  }
}

export interface DistributionOptions {
  registry: Registry;
  maxManifestBytes: number;
  guard: V2Guard;
  /** Runs before every pull (GET of a manifest or blob), after authorization: rate limits. */
  beforePull?: (principal: Principal, match: RouteMatch, clientIp: string) => Promise<void>;
  /** Told about every manifest served by GET (a pull; HEAD is not), inside the request context. */
  onManifestPulled?: ManifestPulled;
  /** Asked before a manifest is served by GET or HEAD, inside the request context: signed-only pulls. */
  manifestGate?: ManifestGate;
}

type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

function table(opts: DistributionOptions): Record<RouteKind, Partial<Record<Method, V2Handler>>> {
  const { maxManifestBytes, onManifestPulled, manifestGate: gate } = opts;
  return {
    base: { GET: base, HEAD: base },
    catalog: { GET: catalog },
    tags: { GET: listTags },
    manifest: {
      GET: (ctx) => getManifest(ctx, onManifestPulled, gate),
      HEAD: (ctx) => headManifest(ctx, gate),
      PUT: (ctx) => putManifest({ ...ctx, maxManifestBytes }),
      DELETE: deleteManifest,
    },
    blob: { GET: getBlob, HEAD: headBlob, DELETE: deleteBlob },
    uploads: { POST: startUpload },
    upload: { GET: uploadStatus, PATCH: patchUpload, PUT: finishUpload, DELETE: cancelUpload },
    referrers: { GET: referrers },
  };
}

/**
 * The OCI Distribution Spec v1.1 API. Bodies are streams the handlers read themselves (blobs are
 * never buffered), so every content-type parser is replaced by a pass-through in this scope.
 */
export async function distributionRoutes(app: FastifyInstance, opts: DistributionOptions): Promise<void> {
  const routes = table(opts);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('Docker-Distribution-API-Version', 'registry/2.0');
  });
  const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const { path, query } = splitUrl(req.url);
    const match = matchRoute(path);
    if (!match) throw new RegistryError('WHARF_ERR_NOT_FOUND', 'no such endpoint');
    req.routeLabel = `${match.kind}_${req.method.toLowerCase()}`;
    const handler = routes[match.kind][req.method as Method];
    if (!handler) throw new RegistryError('UNSUPPORTED', `${req.method} is not supported here`);
    const principal = await opts.guard.authenticate(req);
    const decision = await opts.guard.authorize(principal, match, req.method, query);
    if (opts.beforePull && isPull(match, req.method)) await opts.beforePull(principal, match, req.ip);
    const ctx = { req, reply, match, query, registry: opts.registry, principal, decision, guard: opts.guard };
    return requestContext.run({ principal, clientIp: req.ip }, () => handler(ctx));
  };
  for (const url of ['/v2', '/v2/', '/v2/*']) {
    app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'], url, handler: handle });
  }
}
