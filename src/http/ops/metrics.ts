import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';

export interface MetricsSources {
  uploadsInProgress: () => Promise<number>;
  storageUsedBytes: () => Promise<number>;
}

/** Prometheus metrics for the whole app, collected in one onResponse hook. */
export function registerMetrics(app: FastifyInstance, sources: MetricsSources): PromRegistry {
  const registry = new PromRegistry();
  collectDefaultMetrics({ register: registry, prefix: 'wharf_' });
  const requests = new Counter({
    name: 'wharf_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'wharf_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });
  const bytesIn = new Counter({
    name: 'wharf_http_request_bytes_total',
    help: 'Request body bytes received',
    registers: [registry],
  });
  const bytesOut = new Counter({
    name: 'wharf_http_response_bytes_total',
    help: 'Response body bytes sent',
    registers: [registry],
  });
  new Gauge({
    name: 'wharf_uploads_in_progress',
    help: 'Open upload sessions',
    registers: [registry],
    async collect() {
      this.set(await sources.uploadsInProgress());
    },
  });
  new Gauge({
    name: 'wharf_storage_used_bytes',
    help: 'Bytes of stored blobs',
    registers: [registry],
    async collect() {
      this.set(await sources.storageUsedBytes());
    },
  });

  // Route label: the dispatched operation, never the raw path (names and digests would explode cardinality).
  app.decorateRequest('routeLabel', '');
  app.addHook('onResponse', async (req, reply) => {
    const route =
      req.routeLabel || (reply.statusCode === 404 ? 'not_found' : (req.routeOptions.url ?? 'unknown'));
    requests.inc({ route, status: reply.statusCode });
    latency.observe({ route }, reply.elapsedTime / 1000);
    const inLen = Number(req.headers['content-length'] ?? 0);
    if (inLen > 0) bytesIn.inc(inLen);
    const outLen = Number(reply.getHeader('content-length') ?? 0);
    if (outLen > 0 && req.method !== 'HEAD') bytesOut.inc(outLen);
  });
  return registry;
}
