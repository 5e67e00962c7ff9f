import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, type Registry as PromRegistry } from 'prom-client';
import { loadOrCreateKey } from '../adapters/key-file/index.js';
import type { Config } from '../config/index.js';
import { RegistryError } from '../oci/errors.js';
import type { ProjectRecord } from '../ports/access-store.js';
import type { MetaStore } from '../ports/meta-store.js';
import { type ProxyEvent, type ProxyTarget, sealContext, withProxy } from '../services/proxy/index.js';
import type { Registry } from '../services/registry/index.js';
import { SealedValueError, SecretBox } from '../services/secrets/index.js';

/** The key that seals secrets at rest (proxy credentials): `<dataDir>/secret.key`, made on first start. */
export async function openSecretBox(dataDir: string): Promise<SecretBox> {
  const key = await loadOrCreateKey(join(dataDir, 'secret.key'), SecretBox.KEY_BYTES, SecretBox.generateKey);
  return new SecretBox(key);
}

const QUIET: ReadonlySet<ProxyEvent> = new Set([
  'manifest_fetched',
  'manifest_current',
  'blob_fetched',
  'blob_linked',
]);

/**
 * Proxy cache projects over the undecorated registry, and `wharf_proxy_events_total{event}`
 * (registered on the app's metrics once they exist).
 */
export function composeProxy(o: {
  config: Config;
  meta: MetaStore;
  secrets: SecretBox;
  findProject: (name: string) => Promise<ProjectRecord | undefined>;
  log: Logger;
}): { wrap(registry: Registry): Registry; registerMetrics(metrics: PromRegistry): void } {
  const events = new Counter({
    name: 'wharf_proxy_events_total',
    help: 'Proxy cache outcomes: manifest_fetched, manifest_current, stale_served, blob_fetched, blob_linked, upstream_failed',
    labelNames: ['event'],
    registers: [],
  });
  const open = (project: string, sealed: string): string => {
    try {
      return o.secrets.open(sealed, sealContext(project));
    } catch (err) {
      if (!(err instanceof SealedValueError)) throw err;
      throw new RegistryError(
        'WHARF_ERR_UNAVAILABLE',
        `the upstream credentials of project ${project} do not open with this server's secret.key; restore the key or set them again`,
        { cause: err },
      );
    }
  };
  const targetOf = async (project: string): Promise<ProxyTarget | undefined> => {
    const proxy = (await o.findProject(project))?.proxy;
    if (!proxy) return undefined;
    const { upstream, repositoryPrefix, username, sealedPassword } = proxy;
    if (username === null || sealedPassword === null) return { upstream, repositoryPrefix };
    return { upstream, repositoryPrefix, credentials: { username, password: open(project, sealedPassword) } };
  };
  return {
    wrap: (registry) =>
      withProxy(registry, {
        targetOf,
        stored: async (digest) => (await o.meta.blobs.get(digest)) !== undefined,
        timings: {
          freshnessMs: o.config.proxy.freshnessSeconds * 1000,
          checkTimeoutMs: o.config.proxy.checkTimeoutMs,
          fetchTimeoutMs: o.config.proxy.fetchTimeoutSeconds * 1000,
        },
        report: (event, fields) => {
          events.inc({ event });
          if (QUIET.has(event)) o.log.debug({ proxy: event, ...fields }, `proxy: ${event}`);
          else
            o.log.warn(
              { proxy: event, ...fields },
              `proxy: ${event} (${fields.reason ?? 'no reason given'})`,
            );
        },
      }),
    registerMetrics: (metrics) => metrics.registerMetric(events),
  };
}
