import type { Digest } from '../../oci/digest.js';
import type { BlobStore, StoredBlob } from '../../ports/blob-store.js';
import type { GcRunReport, GcStore, LinkKey, RecordedBlob } from '../../ports/gc-store.js';
import type { UploadStore } from '../../ports/meta-store.js';

export interface GcLog {
  info(obj: object, msg: string): void;
}

export interface GarbageCollectorOptions {
  store: GcStore;
  uploads: Pick<UploadStore, 'expired'>;
  blobs: Pick<BlobStore, 'delete' | 'list'>;
  /** Links, rows and files younger than this are never collected. */
  graceHours: number;
  /** Rows deleted per transaction (and files listed per metadata query). Default 500. */
  batchSize?: number;
  /** Upload sessions idle this long are expired (uploads.ttlSeconds). */
  uploadTtlMs: number;
  /** Removes the upload sessions idle since `before`, with their bytes; returns how many. */
  purgeUploads: (before: Date) => Promise<number>;
  now?: () => number;
  log?: GcLog;
}

export interface GcRunOptions {
  /** Report what a run would delete, deleting nothing. */
  dryRun?: boolean;
  trigger?: GcRunReport['trigger'];
  /** Checked between batches: the run stops (and reports what it did) once aborted. */
  signal?: AbortSignal;
}

type Counts = Pick<
  GcRunReport,
  'linksRemoved' | 'blobsDeleted' | 'blobBytes' | 'orphanFiles' | 'orphanBytes' | 'uploadsExpired'
>;

/** Files removed at once: unlinks are cheap, but a slow disk (or NFS) likes a few in flight. */
const FILE_CONCURRENCY = 8;

/**
 * Online mark-and-sweep over the metadata (services/lifecycle/README.md has the argument):
 * 1. links no manifest of their repository references, older than the grace period;
 * 2. blob rows with no link left and no reference anywhere, older than the grace period, then their files;
 * 3. files in the blob store without a row, older than the grace period (a crash between 2's
 *    commit and its file removal leaves these);
 * 4. upload sessions idle past uploads.ttlSeconds.
 * Every step is a keyset walk in batches: memory stays bounded and each transaction is short. A dry
 * run walks the same pages and counts what each step would remove.
 */
export class GarbageCollector {
  private readonly batch: number;
  private readonly now: () => number;

  constructor(private readonly o: GarbageCollectorOptions) {
    this.batch = o.batchSize ?? 500;
    this.now = o.now ?? Date.now;
  }

  async run(opts: GcRunOptions = {}): Promise<GcRunReport> {
    const dry = opts.dryRun === true;
    const started = this.now();
    const cutoff = started - this.o.graceHours * 3_600_000;
    const c: Counts = {
      linksRemoved: 0,
      blobsDeleted: 0,
      blobBytes: 0,
      orphanFiles: 0,
      orphanBytes: 0,
      uploadsExpired: 0,
    };
    let error: string | null = null;
    try {
      await this.links(cutoff, dry, c, opts.signal);
      await this.rows(cutoff, dry, c, opts.signal);
      await this.orphans(cutoff, dry, c, opts.signal);
      await this.uploads(started, dry, c);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const finished = this.now();
    const report: GcRunReport = {
      dryRun: dry,
      trigger: opts.trigger ?? 'api',
      startedAt: new Date(started),
      finishedAt: new Date(finished),
      durationMs: finished - started,
      graceHours: this.o.graceHours,
      ...c,
      bytesFreed: c.blobBytes + c.orphanBytes,
      error,
    };
    this.o.log?.info({ ...report }, dry ? 'garbage collection (dry run) done' : 'garbage collection done');
    return report;
  }

  private async links(cutoff: number, dry: boolean, c: Counts, signal?: AbortSignal): Promise<void> {
    let after: LinkKey | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const page = await this.o.store.collectableLinks(cutoff, after, this.batch);
      after = page.at(-1);
      c.linksRemoved += dry ? page.length : (await this.o.store.deleteLinks(page, cutoff)).length;
      if (page.length < this.batch) return;
    }
  }

  private async rows(cutoff: number, dry: boolean, c: Counts, signal?: AbortSignal): Promise<void> {
    let after: Digest | undefined;
    for (;;) {
      signal?.throwIfAborted();
      // A real run has removed the collectable links by now; a dry run counts blobs whose every link it would.
      const page = await this.o.store.collectableBlobs(
        cutoff,
        dry ? 'unreachable' : 'unlinked',
        after,
        this.batch,
      );
      after = page.at(-1)?.digest;
      const gone: RecordedBlob[] = dry
        ? page
        : await this.o.store.deleteBlobs(
            page.map((b) => b.digest),
            cutoff,
            (deleted) => this.removeFiles(deleted.map((b) => b.digest)),
          );
      c.blobsDeleted += gone.length;
      c.blobBytes += gone.reduce((n, b) => n + b.size, 0);
      if (page.length < this.batch) return;
    }
  }

  private async orphans(cutoff: number, dry: boolean, c: Counts, signal?: AbortSignal): Promise<void> {
    const list = this.o.blobs.list?.bind(this.o.blobs);
    if (!list) return;
    let batch: StoredBlob[] = [];
    for await (const file of list(signal)) {
      if (file.modifiedAt.getTime() >= cutoff) continue;
      batch.push(file);
      if (batch.length < this.batch) continue;
      await this.orphanBatch(batch, dry, c);
      batch = [];
    }
    await this.orphanBatch(batch, dry, c);
  }

  private async orphanBatch(files: StoredBlob[], dry: boolean, c: Counts): Promise<void> {
    if (files.length === 0) return;
    const recorded = await this.o.store.recorded(files.map((f) => f.digest));
    const candidates = new Map(files.filter((f) => !recorded.has(f.digest)).map((f) => [f.digest, f.size]));
    if (candidates.size === 0) return;
    // Under the digests' locks, re-checked: an upload may have recorded one since.
    const removed = dry
      ? [...candidates.keys()]
      : await this.o.store.withoutRows([...candidates.keys()], (orphans) => this.removeFiles(orphans));
    c.orphanFiles += removed.length;
    c.orphanBytes += removed.reduce((n, d) => n + (candidates.get(d) ?? 0), 0);
  }

  private async uploads(started: number, dry: boolean, c: Counts): Promise<void> {
    const before = new Date(started - this.o.uploadTtlMs);
    c.uploadsExpired = dry
      ? (await this.o.uploads.expired(before)).length
      : await this.o.purgeUploads(before);
  }

  private async removeFiles(digests: readonly Digest[]): Promise<void> {
    for (let i = 0; i < digests.length; i += FILE_CONCURRENCY) {
      await Promise.all(digests.slice(i, i + FILE_CONCURRENCY).map((d) => this.o.blobs.delete(d)));
    }
  }
}
