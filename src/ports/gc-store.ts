import type { Digest } from '../oci/digest.js';

/** A repository link of a blob (`repo_blobs` row). */
export interface LinkKey {
  repoId: number;
  digest: Digest;
}

export interface RecordedBlob {
  digest: Digest;
  size: number;
}

/**
 * Which blobs a page lists: `unlinked` (no repository link at all, what a real run deletes once
 * it has removed the collectable links) or `unreachable` (no link that survives this run: every
 * link it has is itself collectable; what a dry run reports, so both agree on the same state).
 */
export type BlobScope = 'unlinked' | 'unreachable';

/** What one garbage collection run did (or, dry, would do). */
export interface GcRunReport {
  dryRun: boolean;
  /** 'api' (POST /api/v1/system/gc) or 'schedule' (the gc.run job). */
  trigger: 'api' | 'schedule';
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  graceHours: number;
  /** Repository links no manifest of their repository references, older than the grace period. */
  linksRemoved: number;
  /** Blob rows (and their files) deleted. */
  blobsDeleted: number;
  blobBytes: number;
  /** Files in the blob store with no row, older than the grace period. */
  orphanFiles: number;
  orphanBytes: number;
  /** Upload sessions idle past uploads.ttlSeconds, purged with their bytes. */
  uploadsExpired: number;
  /** blobBytes + orphanBytes. */
  bytesFreed: number;
  /** null when the run finished; else why it stopped (what it had done so far is counted). */
  error: string | null;
}

export interface GcRunRecord extends GcRunReport {
  id: number;
}

/**
 * The metadata side of garbage collection (see services/lifecycle/README.md). Pages are keyset
 * pages in key order, so a run holds at most one page in memory. Every delete re-checks, in the
 * transaction that deletes, the condition the page was selected by: a page may be stale.
 */
export interface GcStore {
  /**
   * Links created (or last re-linked by an upload or mount) before `cutoff` (epoch ms) that no
   * manifest of their repository references, after `after`, at most `limit`.
   */
  collectableLinks(cutoff: number, after: LinkKey | undefined, limit: number): Promise<LinkKey[]>;
  /**
   * Deletes those of `links` still collectable, in one transaction that first locks them (on
   * PostgreSQL; SQLite has a single writer) so a manifest written meanwhile is seen. Returns the deleted.
   */
  deleteLinks(links: readonly LinkKey[], cutoff: number): Promise<LinkKey[]>;
  /** Blob rows recorded before `cutoff`, referenced by no manifest, without links in `scope`. */
  collectableBlobs(
    cutoff: number,
    scope: BlobScope,
    after: Digest | undefined,
    limit: number,
  ): Promise<RecordedBlob[]>;
  /**
   * Holding the digests' exclusive locks (which every writer that makes a blob exist takes shared),
   * deletes the rows of those still unlinked, unreferenced and older than `cutoff` in one
   * transaction, commits, and then runs `removeFiles` on the deleted before releasing the locks.
   * A crash after the commit leaves files without rows: garbage the next run removes.
   */
  deleteBlobs(
    digests: readonly Digest[],
    cutoff: number,
    removeFiles: (deleted: RecordedBlob[]) => Promise<void>,
  ): Promise<RecordedBlob[]>;
  /** Of `digests`, those with a blob row. */
  recorded(digests: readonly Digest[]): Promise<Set<Digest>>;
  /**
   * Holding the digests' exclusive locks, runs `remove` with those of `digests` that still have no
   * row (orphan files), and returns them.
   */
  withoutRows(digests: readonly Digest[], remove: (orphans: Digest[]) => Promise<void>): Promise<Digest[]>;
  /** Every blob row, by digest, after `after`, at most `limit` (for scrub). */
  blobs(after: Digest | undefined, limit: number): Promise<RecordedBlob[]>;
  /** Appends a run to the history; returns its id. */
  recordRun(report: GcRunReport): Promise<number>;
  /** The history, newest first, runs with an id below `before` when given. */
  runs(page: { before?: number; limit: number }): Promise<GcRunRecord[]>;
}
