import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Registry as PromRegistry } from 'prom-client';
import type { V2Guard } from './http/distribution/guard.js';
import { type DistributionOptions, distributionRoutes } from './http/distribution/index.js';
import { installErrorHandlers } from './http/error-handler.js';
import { opsRoutes } from './http/ops/index.js';
import { registerMetrics } from './http/ops/metrics.js';
import type { Registry } from './services/registry/index.js';

export interface AppDeps {
  registry: Registry;
  logger: Logger;
  maxManifestBytes: number;
  guard: V2Guard;
  beforePull?: DistributionOptions['beforePull'];
  onManifestPulled?: DistributionOptions['onManifestPulled'];
  manifestGate?: DistributionOptions['manifestGate'];
  /** Further route groups (token endpoint, management API), each registered in its own scope. */
  plugins?: FastifyPluginAsync[];
  ready: () => Promise<void>;
  uploadsInProgress: () => Promise<number>;
  storageUsedBytes: () => Promise<number>;
  https?: { cert: Buffer; key: Buffer };
}

/** Builds the HTTP app from its dependencies; never listens (tests and main decide that). */
export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; metrics: PromRegistry }> {
  const options: FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } } = {
    loggerInstance: deps.logger,
    // Per-request lines would dominate the hot path; the error handler logs what matters.
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Upload bodies stream for as long as they take; the socket's idle timeout still applies.
    requestTimeout: 0,
    ...(deps.https ? { https: deps.https } : {}),
  };
  const app = Fastify(options) as unknown as FastifyInstance;
  installErrorHandlers(app);
  const metrics = registerMetrics(app, deps);
  await app.register(opsRoutes, { metrics, ready: deps.ready });
  await app.register(distributionRoutes, {
    registry: deps.registry,
    maxManifestBytes: deps.maxManifestBytes,
    guard: deps.guard,
    ...(deps.beforePull ? { beforePull: deps.beforePull } : {}),
    ...(deps.onManifestPulled ? { onManifestPulled: deps.onManifestPulled } : {}),
    ...(deps.manifestGate ? { manifestGate: deps.manifestGate } : {}),
  });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return { app, metrics };
}
