import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type {
  BlobScope,
  GcRunRecord,
  GcRunReport,
  GcStore,
  LinkKey,
  RecordedBlob,
} from '../../ports/gc-store.js';
import type { DigestLocks } from './digest-locks.js';
import type { Database, SqlDialect } from './schema.js';
import type { GcRunsTable } from './schema-gc.js';

/** Bind parameters per IN list: far below SQLite's 32766 and PostgreSQL's 65535. */
const CHUNK = 500;

type LinkRow = { repo_id: number; digest: Digest };
type Eb = ExpressionBuilder<Database, 'repo_blobs'>;
type BlobEb = ExpressionBuilder<Database, 'blobs'>;

/** No manifest of the link's own repository references its digest. */
const unreferencedInRepo = (eb: Eb) =>
  eb.not(
    eb.exists(
      eb
        .selectFrom('manifest_refs as mr')
        .select('mr.child_digest')
        .whereRef('mr.repo_id', '=', 'repo_blobs.repo_id')
        .whereRef('mr.child_digest', '=', 'repo_blobs.digest'),
    ),
  );

/** No manifest of any repository references the blob (manifest_refs_digest_idx). */
const unreferenced = (eb: BlobEb) =>
  eb.not(
    eb.exists(
      eb
        .selectFrom('manifest_refs as mr')
        .select('mr.child_digest')
        .whereRef('mr.child_digest', '=', 'blobs.digest'),
    ),
  );

/** No link at all ('unlinked'), or none that outlives this run: none younger than the cutoff ('unreachable'). */
const withoutLinks = (scope: BlobScope, cutoff: number) => (eb: BlobEb) =>
  eb.not(
    eb.exists(
      eb
        .selectFrom('repo_blobs as rb')
        .select('rb.digest')
        .whereRef('rb.digest', '=', 'blobs.digest')
        .$if(scope === 'unreachable', (q) => q.where('rb.created_at', '>=', cutoff)),
    ),
  );

/** Links grouped by repository, for `repo_id = ? and digest in (…)` (SQLite has no row-value IN lists). */
function byRepo(links: readonly LinkKey[]): Map<number, Digest[]> {
  const out = new Map<number, Digest[]>();
  for (const l of links) out.set(l.repoId, [...(out.get(l.repoId) ?? []), l.digest]);
  return out;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class SqlGcStore implements GcStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
    private readonly locks: DigestLocks,
  ) {}

  async collectableLinks(cutoff: number, after: LinkKey | undefined, limit: number): Promise<LinkKey[]> {
    const rows = await this.db
      .selectFrom('repo_blobs')
      .select(['repo_id', 'digest'])
      .where('created_at', '<', cutoff)
      .where(unreferencedInRepo)
      .$if(after !== undefined, (q) =>
        q.where((eb) =>
          eb(
            eb.refTuple('repo_id', 'digest'),
            '>',
            eb.tuple(after?.repoId ?? 0, after?.digest ?? ('' as Digest)),
          ),
        ),
      )
      .orderBy('repo_id')
      .orderBy('digest')
      .limit(limit)
      .execute();
    return rows.map(toLink);
  }

  /**
   * PostgreSQL: the links are first locked FOR UPDATE (in key order, as manifest writes share-lock
   * them), and only then does the DELETE re-check them: as a new statement it takes a new snapshot,
   * which sees every manifest committed by a writer it waited for. A DELETE alone would evaluate
   * its NOT EXISTS on the snapshot taken before the wait, and remove a link a manifest now uses.
   */
  async deleteLinks(links: readonly LinkKey[], cutoff: number): Promise<LinkKey[]> {
    if (links.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const deleted: LinkKey[] = [];
      for (const [repoId, digests] of byRepo(links)) {
        if (this.dialect === 'postgres') {
          await trx
            .selectFrom('repo_blobs')
            .select('digest')
            .where('repo_id', '=', repoId)
            .where('digest', 'in', digests)
            .orderBy('digest')
            .forUpdate()
            .execute();
        }
        const rows = await trx
          .deleteFrom('repo_blobs')
          .where('repo_id', '=', repoId)
          .where('digest', 'in', digests)
          .where('created_at', '<', cutoff)
          .where(unreferencedInRepo)
          .returning(['repo_id', 'digest'])
          .execute();
        deleted.push(...rows.map(toLink));
      }
      return deleted;
    });
  }

  async collectableBlobs(
    cutoff: number,
    scope: BlobScope,
    after: Digest | undefined,
    limit: number,
  ): Promise<RecordedBlob[]> {
    const rows = await this.db
      .selectFrom('blobs')
      .select(['digest', 'size'])
      .where('created_at', '<', cutoff)
      .where(unreferenced)
      .where(withoutLinks(scope, cutoff))
      .$if(after !== undefined, (q) => q.where('digest', '>', after as Digest))
      .orderBy('digest')
      .limit(limit)
      .execute();
    return rows.map(toBlob);
  }

  async deleteBlobs(
    digests: readonly Digest[],
    cutoff: number,
    removeFiles: (deleted: RecordedBlob[]) => Promise<void>,
  ): Promise<RecordedBlob[]> {
    if (digests.length === 0) return [];
    return this.locks.exclusive(digests, async (db) => {
      const deleted: RecordedBlob[] = [];
      for (const part of chunks(digests)) {
        // One statement, so one transaction: the re-check and the delete are atomic.
        const rows = await db
          .deleteFrom('blobs')
          .where('digest', 'in', part)
          .where('created_at', '<', cutoff)
          .where(unreferenced)
          .where(withoutLinks('unlinked', cutoff))
          .returning(['digest', 'size'])
          .execute();
        deleted.push(...rows.map(toBlob));
      }
      // Committed: the rows are gone before the files. The locks still keep writers of these digests out.
      await removeFiles(deleted);
      return deleted;
    });
  }

  async recorded(digests: readonly Digest[]): Promise<Set<Digest>> {
    return recordedIn(this.db, digests);
  }

  async withoutRows(
    digests: readonly Digest[],
    remove: (orphans: Digest[]) => Promise<void>,
  ): Promise<Digest[]> {
    if (digests.length === 0) return [];
    return this.locks.exclusive(digests, async (db) => {
      const have = await recordedIn(db, digests);
      const orphans = digests.filter((d) => !have.has(d));
      await remove(orphans);
      return orphans;
    });
  }

  async blobs(after: Digest | undefined, limit: number): Promise<RecordedBlob[]> {
    const rows = await this.db
      .selectFrom('blobs')
      .select(['digest', 'size'])
      .$if(after !== undefined, (q) => q.where('digest', '>', after as Digest))
      .orderBy('digest')
      .limit(limit)
      .execute();
    return rows.map(toBlob);
  }

  async recordRun(r: GcRunReport): Promise<number> {
    const row = await this.db
      .insertInto('gc_runs')
      .values({
        dry_run: r.dryRun ? 1 : 0,
        trigger: r.trigger,
        started_at: r.startedAt.getTime(),
        finished_at: r.finishedAt.getTime(),
        duration_ms: r.durationMs,
        grace_hours: r.graceHours,
        links_removed: r.linksRemoved,
        blobs_deleted: r.blobsDeleted,
        blob_bytes: r.blobBytes,
        orphan_files: r.orphanFiles,
        orphan_bytes: r.orphanBytes,
        uploads_expired: r.uploadsExpired,
        error: r.error,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async runs(page: { before?: number; limit: number }): Promise<GcRunRecord[]> {
    const rows = await this.db
      .selectFrom('gc_runs')
      .selectAll()
      .$if(page.before !== undefined, (q) => q.where('id', '<', page.before ?? 0))
      .orderBy('id', 'desc')
      .limit(page.limit)
      .execute();
    return rows.map(toRun);
  }
}

async function recordedIn(db: Kysely<Database>, digests: readonly Digest[]): Promise<Set<Digest>> {
  const found = new Set<Digest>();
  for (const part of chunks(digests)) {
    const rows = await db.selectFrom('blobs').select('digest').where('digest', 'in', part).execute();
    for (const r of rows) found.add(r.digest);
  }
  return found;
}

function toLink(r: LinkRow): LinkKey {
  return { repoId: Number(r.repo_id), digest: r.digest };
}

function toBlob(r: { digest: Digest; size: number }): RecordedBlob {
  return { digest: r.digest, size: Number(r.size) };
}

function toRun(r: Selectable<GcRunsTable>): GcRunRecord {
  const n = (v: number) => Number(v);
  return {
    id: n(r.id),
    dryRun: n(r.dry_run) === 1,
    trigger: r.trigger === 'schedule' ? 'schedule' : 'api',
    startedAt: new Date(n(r.started_at)),
    finishedAt: new Date(n(r.finished_at)),
    durationMs: n(r.duration_ms),
    graceHours: n(r.grace_hours),
    linksRemoved: n(r.links_removed),
    blobsDeleted: n(r.blobs_deleted),
    blobBytes: n(r.blob_bytes),
    orphanFiles: n(r.orphan_files),
    orphanBytes: n(r.orphan_bytes),
    uploadsExpired: n(r.uploads_expired),
    bytesFreed: n(r.blob_bytes) + n(r.orphan_bytes),
    error: r.error,
  };
}
