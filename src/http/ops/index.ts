import type { FastifyInstance } from 'fastify';
import type { Registry as PromRegistry } from 'prom-client';

export interface OpsOptions {
  metrics: PromRegistry;
  /** Throws when a dependency (database, storage) does not answer. */
  ready: () => Promise<void>;
}

export async function opsRoutes(app: FastifyInstance, opts: OpsOptions): Promise<void> {
  app.get('/healthz', async (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    try {
      await opts.ready();
      return reply.send({ status: 'ready' });
    } catch (err) {
      req.log.warn({ err }, 'not ready');
      return reply.code(503).send({ status: 'unavailable', detail: (err as Error).message });
    }
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(opts.metrics.contentType).send(await opts.metrics.metrics()),
  );
}
