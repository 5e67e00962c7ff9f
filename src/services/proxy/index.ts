import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import type { Registry } from '../registry/index.js';
import { ProxyBlobs } from './blobs.js';
import { ProxyManifests, type ProxyTimings } from './manifests.js';
import type { ProxyReporter } from './report.js';
import type { ProxyTarget, UpstreamRegistry } from './upstream.js';
import { Upstreams } from './upstreams.js';

export type { ProxyTimings } from './manifests.js';
export type { ProxyEvent, ProxyReporter, ProxyReportFields } from './report.js';
export {
  checkProxySettings,
  DOCKER_HUB_ORIGIN,
  type ProxyInput,
  ProxySettingsError,
  sealContext,
} from './settings.js';
export { connectUpstream, type ProxyTarget, type UpstreamRegistry, upstreamRepository } from './upstream.js';

export interface ProxyOptions {
  /** A project's upstream with its credentials opened; undefined: not a proxy cache. */
  targetOf(project: string): Promise<ProxyTarget | undefined>;
  /** Whether the registry stores a blob, in whatever repository. */
  stored(digest: Digest): Promise<boolean>;
  timings: ProxyTimings;
  report?: ProxyReporter;
  /** Makes the client for an upstream; default: a RegistryClient. */
  connect?: (target: ProxyTarget) => UpstreamRegistry;
}

/** An object that answers like `target` except for the methods in `overrides`. */
function override<T extends object>(target: T, overrides: Partial<T>): T {
  return Object.assign(Object.create(target) as T, overrides);
}

/**
 * The registry with proxy cache projects: their pulls fetch from the upstream on a miss and are
 * stored through `registry` itself (so pass the undecorated one: what the proxy stores is not a
 * client's push), and clients may not push to them (405 DENIED). Other projects are untouched.
 */
export function withProxy(registry: Registry, o: ProxyOptions): Registry {
  const upstreams = new Upstreams(o.targetOf, o.connect);
  const report = o.report ?? (() => {});
  const proxyManifests = new ProxyManifests({
    upstreams,
    manifests: registry.manifests,
    timings: o.timings,
    report,
  });
  const proxyBlobs = new ProxyBlobs({
    upstreams,
    blobs: registry.blobs,
    uploads: registry.uploads,
    stored: o.stored,
    timings: o.timings,
    report,
  });
  const readOnly = async (repo: string) => {
    const upstream = await upstreams.upstreamOf(repo);
    if (upstream === undefined) return;
    const host = new URL(upstream).host;
    throw new RegistryError(
      'DENIED',
      `${repo} is in a proxy cache project of ${host}, which is read-only: push to another project`,
      { status: 405, detail: { repository: repo, upstream: host } },
    );
  };
  const { manifests, blobs, uploads } = registry;
  return {
    ...registry,
    manifests: override(manifests, {
      get: (repo, reference) => proxyManifests.get(repo, reference),
      async put(repo, reference, contentType, body) {
        await readOnly(repo);
        return manifests.put(repo, reference, contentType, body);
      },
    }),
    blobs: override(blobs, {
      stat: (repo, digest) => proxyBlobs.stat(repo, digest),
      open: (repo, digest, rangeOf = () => undefined, signal) =>
        proxyBlobs.open(repo, digest, rangeOf, signal),
    }),
    uploads: override(uploads, {
      async start(repo) {
        await readOnly(repo);
        return uploads.start(repo);
      },
      async putMonolithic(repo, digest, body, opts) {
        await readOnly(repo);
        return uploads.putMonolithic(repo, digest, body, opts);
      },
      async mount(repo, from, digest) {
        await readOnly(repo);
        return uploads.mount(repo, from, digest);
      },
    }),
  };
}
