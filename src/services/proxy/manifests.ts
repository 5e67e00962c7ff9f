import { type Digest, tryParseDigest } from '../../oci/digest.js';
import { isRegistryError } from '../../oci/errors.js';
import { isTag } from '../../oci/names.js';
import type { ManifestRecord } from '../../ports/meta-store.js';
import type { ManifestService } from '../registry/index.js';
import { TtlCache } from '../registry/ttl-cache.js';
import { withDeadline } from './deadline.js';
import type { ProxyReporter } from './report.js';
import { SingleFlight } from './single-flight.js';
import { classifyFailure, failureError, type UpstreamFailure } from './upstream.js';
import type { ProxiedRepository, Upstreams } from './upstreams.js';

export interface ProxyTimings {
  /** A tag checked upstream this recently is served from the cache without asking again. */
  freshnessMs: number;
  /** How long a freshness HEAD may take before the cached copy is served instead. */
  checkTimeoutMs: number;
  /** How long a manifest fetch, or a blob fetch's response headers, may take. */
  fetchTimeoutMs: number;
}

/**
 * Manifest pulls of proxy cache repositories. By digest: the stored copy, else fetched. By tag: the
 * stored copy while checked within `freshnessMs`; else a HEAD upstream decides (same digest: current;
 * another: fetched and the tag moved), and whenever the upstream fails the stored copy is served.
 * Fetched manifests go through the normal put (validation, admission, tags) with content pending.
 */
export class ProxyManifests {
  private readonly checked: TtlCache<true>;
  private readonly flights = new SingleFlight<ManifestRecord>();

  constructor(
    private readonly d: {
      upstreams: Upstreams;
      manifests: ManifestService;
      timings: ProxyTimings;
      report: ProxyReporter;
    },
  ) {
    this.checked = new TtlCache(d.timings.freshnessMs, 100_000);
  }

  async get(repo: string, reference: string): Promise<ManifestRecord> {
    const digest = tryParseDigest(reference);
    const proxied = digest || isTag(reference) ? await this.d.upstreams.resolve(repo) : undefined;
    if (!proxied) return this.d.manifests.get(repo, reference);
    return digest ? this.byDigest(repo, digest, proxied) : this.byTag(repo, reference, proxied);
  }

  private async byDigest(repo: string, digest: Digest, p: ProxiedRepository): Promise<ManifestRecord> {
    const local = await this.local(repo, digest);
    if (local) return local;
    return this.flights.run(`${repo}\0${digest}`, () => this.fetch(repo, digest, p, undefined));
  }

  private async byTag(repo: string, tag: string, p: ProxiedRepository): Promise<ManifestRecord> {
    const key = `${repo}\0${tag}`;
    const local = await this.local(repo, tag);
    if (local && this.checked.get(key)) return local;
    return this.flights.run(key, async () => {
      if (!local) {
        const fetched = await this.fetch(repo, tag, p, undefined);
        this.checked.set(key, true);
        return fetched;
      }
      return this.refresh(repo, tag, p, local);
    });
  }

  /** A HEAD upstream, bounded by the check timeout; every failure serves what is cached. */
  private async refresh(
    repo: string,
    tag: string,
    p: ProxiedRepository,
    local: ManifestRecord,
  ): Promise<ManifestRecord> {
    let head: { digest: Digest | undefined } | undefined;
    try {
      head = await withDeadline(this.d.timings.checkTimeoutMs, (signal) =>
        p.client.headManifest(p.remote, tag, signal),
      );
    } catch (err) {
      return this.stale(repo, tag, p, local, classifyFailure(err));
    } finally {
      this.checked.set(`${repo}\0${tag}`, true);
    }
    if (!head)
      return this.stale(repo, tag, p, local, { kind: 'unknown', code: undefined, reason: 'tag gone' });
    if (head.digest === local.digest) {
      this.d.report('manifest_current', { repository: repo, upstream: p.upstream, reference: tag });
      return local;
    }
    return this.fetch(repo, tag, p, local, head.digest);
  }

  /** Fetches `ref` (by `digest` when known), stores it under `ref`, and returns the stored record. */
  private async fetch(
    repo: string,
    ref: string,
    p: ProxiedRepository,
    local: ManifestRecord | undefined,
    digest?: Digest,
  ): Promise<ManifestRecord> {
    let m: { mediaType: string; bytes: Buffer };
    try {
      m = await withDeadline(this.d.timings.fetchTimeoutMs, (signal) =>
        p.client.getManifest(p.remote, digest ?? ref, signal),
      );
    } catch (err) {
      const failure = classifyFailure(err);
      if (local) return this.stale(repo, ref, p, local, failure);
      this.d.report('upstream_failed', {
        repository: repo,
        upstream: p.upstream,
        reference: ref,
        reason: failure.reason,
      });
      throw failureError(failure, {
        upstream: p.upstream,
        unknown: 'MANIFEST_UNKNOWN',
        detail: { repository: p.remote, reference: ref.slice(0, 200) },
      });
    }
    try {
      await this.d.manifests.put(repo, ref, m.mediaType, m.bytes, { contentPending: true });
    } catch (err) {
      // Refused here (quota, an immutable tag, an invalid manifest): what is cached is still good.
      if (!local) throw err;
      const reason = `the upstream's manifest was not stored: ${err instanceof Error ? err.message : String(err)}`;
      return this.stale(repo, ref, p, local, { kind: 'unavailable', reason });
    }
    this.d.report('manifest_fetched', { repository: repo, upstream: p.upstream, reference: ref });
    return this.d.manifests.get(repo, ref);
  }

  private stale(
    repo: string,
    ref: string,
    p: ProxiedRepository,
    local: ManifestRecord,
    f: UpstreamFailure,
  ): ManifestRecord {
    this.d.report('stale_served', {
      repository: repo,
      upstream: p.upstream,
      reference: ref,
      reason: f.reason,
    });
    return local;
  }

  private async local(repo: string, ref: string): Promise<ManifestRecord | undefined> {
    try {
      return await this.d.manifests.get(repo, ref);
    } catch (err) {
      if (isRegistryError(err) && err.code === 'MANIFEST_UNKNOWN') return undefined;
      throw err;
    }
  }
}
