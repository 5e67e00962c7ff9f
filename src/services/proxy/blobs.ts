import type { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';
import { isRegistryError } from '../../oci/errors.js';
import type { ByteRange } from '../../ports/blob-store.js';
import type { BlobService, BlobView, UploadService } from '../registry/index.js';
import { withDeadline } from './deadline.js';
import type { ProxyTimings } from './manifests.js';
import type { ProxyReporter } from './report.js';
import { teeToStore } from './tee.js';
import { classifyFailure, failureError, type UpstreamFailure } from './upstream.js';
import type { ProxiedRepository, Upstreams } from './upstreams.js';

type Opened = Awaited<ReturnType<BlobService['open']>>;
type RangeOf = (size: number) => ByteRange | undefined;

const isUnknownBlob = (err: unknown) => isRegistryError(err) && err.code === 'BLOB_UNKNOWN';

/** Undefined instead of BLOB_UNKNOWN. */
async function unlessUnknown<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (isUnknownBlob(err)) return undefined;
    throw err;
  }
}

/**
 * Blob pulls of proxy cache repositories. A blob not linked in the repository comes from upstream:
 * linked at once when the registry already stores it (upstream confirming the repository has it),
 * else fetched and streamed to the client while it is stored through the normal upload path
 * (verified before it becomes visible). Concurrent misses for one digest fetch it once in this
 * process: the first streams, the others wait and read the stored copy.
 */
export class ProxyBlobs {
  private readonly inflight = new Map<Digest, Promise<void>>();

  constructor(
    private readonly d: {
      upstreams: Upstreams;
      blobs: BlobService;
      uploads: UploadService;
      /** Whether the registry stores the blob, in whatever repository. */
      stored(digest: Digest): Promise<boolean>;
      timings: ProxyTimings;
      report: ProxyReporter;
    },
  ) {}

  async stat(repo: string, digest: Digest): Promise<BlobView> {
    const local = await unlessUnknown(() => this.d.blobs.stat(repo, digest));
    if (local) return local;
    const p = await this.d.upstreams.resolve(repo);
    if (!p) return this.d.blobs.stat(repo, digest);
    await this.inflight.get(digest);
    const fetched = await unlessUnknown(() => this.d.blobs.stat(repo, digest));
    if (fetched) return fetched;
    const size = await this.confirm(repo, digest, p);
    // Not stored yet: the size is upstream's, and a GET fetches it.
    return (await this.d.uploads.linkStored(repo, digest)) ?? { digest, size };
  }

  async open(repo: string, digest: Digest, rangeOf: RangeOf, signal?: AbortSignal): Promise<Opened> {
    const local = () => unlessUnknown(() => this.d.blobs.open(repo, digest, rangeOf, signal));
    const first = await local();
    if (first) return first;
    const p = await this.d.upstreams.resolve(repo);
    if (!p) return this.d.blobs.open(repo, digest, rangeOf, signal);
    for (let attempt = 0; ; attempt++) {
      const running = this.inflight.get(digest);
      if (running && attempt < 3) {
        await running;
        const after = await local();
        if (after) return after;
        continue;
      }
      if (await this.d.stored(digest)) {
        await this.confirm(repo, digest, p);
        await this.d.uploads.linkStored(repo, digest);
        this.d.report('blob_linked', { repository: repo, upstream: p.upstream, reference: digest });
        return this.d.blobs.open(repo, digest, rangeOf, signal);
      }
      if (this.inflight.has(digest) && attempt < 3) continue;
      return this.fetch(repo, digest, p, rangeOf, signal);
    }
  }

  /** Upstream's size of the blob in the mirrored repository; throws when it is not there or failed. */
  private async confirm(repo: string, digest: Digest, p: ProxiedRepository): Promise<number> {
    let size: number | undefined;
    try {
      size = await withDeadline(this.d.timings.checkTimeoutMs, (signal) =>
        p.client.statBlob(p.remote, digest, signal),
      );
    } catch (err) {
      throw this.failed(repo, digest, p, classifyFailure(err));
    }
    if (size === undefined)
      throw this.failed(repo, digest, p, {
        kind: 'unknown',
        code: undefined,
        reason: 'not in the upstream repository',
      });
    return size;
  }

  /** Leads the fetch of `digest`: registered before its first await, settled when storing ends. */
  private async fetch(
    repo: string,
    digest: Digest,
    p: ProxiedRepository,
    rangeOf: RangeOf,
    signal: AbortSignal | undefined,
  ): Promise<Opened> {
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.inflight.set(digest, done);
    const finish = () => {
      if (this.inflight.get(digest) === done) this.inflight.delete(digest);
      settle();
    };
    let upstream: { stream: Readable; size: number | undefined };
    try {
      upstream = await this.request(p, digest);
    } catch (err) {
      finish();
      throw this.failed(repo, digest, p, classifyFailure(err));
    }
    const { size } = upstream;
    const store = (input: Readable) =>
      this.d.uploads.putMonolithic(repo, digest, input, size === undefined ? {} : { length: size }).then(
        (blob) => {
          this.d.report('blob_fetched', { repository: repo, upstream: p.upstream, reference: digest });
          return blob;
        },
        (err: unknown) => {
          this.d.report('upstream_failed', {
            repository: repo,
            upstream: p.upstream,
            reference: digest,
            reason: err instanceof Error ? err.message : String(err),
          });
          throw err;
        },
      );
    let range: ByteRange | undefined;
    try {
      range = size === undefined ? undefined : rangeOf(size);
    } catch (err) {
      // An unsatisfiable range: the client gets 416, the blob is stored all the same.
      store(upstream.stream).then(finish, finish);
      throw err;
    }
    if (size === undefined || range) {
      // Ranges and bodies of unknown length are served from the stored copy once it is complete.
      await store(upstream.stream).finally(finish);
      return this.d.blobs.open(repo, digest, rangeOf, signal);
    }
    const tee = teeToStore(upstream.stream, store);
    tee.stored.then(finish, finish);
    return { blob: { digest, size }, range: undefined, body: tee.client };
  }

  /** GET upstream; the deadline bounds the wait for the response headers only, never the body. */
  private request(p: ProxiedRepository, digest: Digest) {
    return withDeadline(this.d.timings.fetchTimeoutMs, (signal) =>
      p.client.getBlob(p.remote, digest, { signal, verify: false }),
    );
  }

  private failed(repo: string, digest: Digest, p: ProxiedRepository, f: UpstreamFailure) {
    if (f.kind !== 'unknown')
      this.d.report('upstream_failed', {
        repository: repo,
        upstream: p.upstream,
        reference: digest,
        reason: f.reason,
      });
    return failureError(f, {
      upstream: p.upstream,
      unknown: 'BLOB_UNKNOWN',
      detail: { repository: p.remote, digest },
    });
  }
}
