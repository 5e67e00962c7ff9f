import type { Kysely, Transaction } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import { type BlobMetaStore, MissingBlobsError } from '../../ports/meta-store.js';
import type { DigestLocks } from './digest-locks.js';
import { PreparedQuery } from './prepared.js';
import type { Database, SqlDialect } from './schema.js';

type BlobRow = { digest: Digest; size: number };

export class SqlBlobMetaStore implements BlobMetaStore {
  private readonly linked: PreparedQuery<BlobRow>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly locks: DigestLocks,
  ) {
    this.linked = new PreparedQuery('blob_linked', 2, (repoName, digest) =>
      db
        .selectFrom('repositories as r')
        .innerJoin('repo_blobs as rb', 'rb.repo_id', 'r.id')
        .innerJoin('blobs as b', 'b.digest', 'rb.digest')
        .select(['b.digest', 'b.size'])
        .where('r.name', '=', repoName)
        .where('rb.digest', '=', digest as Digest),
    );
  }

  async record(digest: Digest, size: number): Promise<void> {
    await this.db
      .insertInto('blobs')
      .values({ digest, size, created_at: Date.now() })
      .onConflict((oc) => oc.column('digest').doNothing())
      .execute();
  }

  async get(digest: Digest): Promise<BlobRow | undefined> {
    return this.db
      .selectFrom('blobs')
      .select(['digest', 'size'])
      .where('digest', '=', digest)
      .executeTakeFirst();
  }

  async link(repoId: number, digest: Digest): Promise<boolean> {
    return this.locks.shared(
      digest,
      async () => undefined,
      async (trx) => {
        const row = await trx
          .selectFrom('blobs')
          .select('digest')
          .where('digest', '=', digest)
          .executeTakeFirst();
        if (!row) return false;
        await upsertLink(trx, repoId, digest);
        return true;
      },
    );
  }

  async store(
    repoId: number,
    digest: Digest,
    place: () => Promise<{ size: number }>,
  ): Promise<{ digest: Digest; size: number }> {
    return this.locks.shared(digest, place, async (trx, { size }) => {
      await trx
        .insertInto('blobs')
        .values({ digest, size, created_at: Date.now() })
        .onConflict((oc) => oc.column('digest').doNothing())
        .execute();
      await upsertLink(trx, repoId, digest);
      return { digest, size };
    });
  }

  /** HEAD/GET of a blob: one indexed query over repositories ⋈ repo_blobs ⋈ blobs. */
  async getLinked(repoName: string, digest: Digest): Promise<BlobRow | undefined> {
    return this.linked.first(this.db, repoName, digest);
  }

  async unlink(repoId: number, digest: Digest): Promise<boolean> {
    const r = await this.db
      .deleteFrom('repo_blobs')
      .where('repo_id', '=', repoId)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async totalBytes(): Promise<number> {
    const row = await this.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('size'), eb.lit(0)).as('total'))
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }
}

/** A new link, or an existing one made again: its time is the last upload or mount (GC's grace). */
async function upsertLink(trx: Transaction<Database>, repoId: number, digest: Digest): Promise<void> {
  const now = Date.now();
  await trx
    .insertInto('repo_blobs')
    .values({ repo_id: repoId, digest, created_at: now })
    .onConflict((oc) => oc.columns(['repo_id', 'digest']).doUpdateSet({ created_at: now }))
    .execute();
}

/**
 * Inside a manifest write: throws MissingBlobsError unless every digest is linked in the repository.
 * On PostgreSQL the links are share-locked (FOR KEY SHARE, in key order), so garbage collection,
 * which locks a link FOR UPDATE before its re-checking DELETE, waits for this transaction and then
 * sees its references; or deleted first, and then this finds the link missing.
 */
export async function requireLinked(
  trx: Transaction<Database>,
  dialect: SqlDialect,
  repoId: number,
  digests: readonly Digest[],
): Promise<void> {
  const want = [...new Set(digests)].sort();
  const found = new Set<Digest>();
  for (let i = 0; i < want.length; i += 500) {
    const rows = await trx
      .selectFrom('repo_blobs')
      .select('digest')
      .where('repo_id', '=', repoId)
      .where('digest', 'in', want.slice(i, i + 500))
      .orderBy('digest')
      .$if(dialect === 'postgres', (q) => q.forKeyShare())
      .execute();
    for (const r of rows) found.add(r.digest);
  }
  const missing = want.filter((d) => !found.has(d));
  if (missing.length > 0) throw new MissingBlobsError(missing);
}
