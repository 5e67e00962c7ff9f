import type { Kysely } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { BlobMetaStore } from '../../ports/meta-store.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

type BlobRow = { digest: Digest; size: number };

export class SqlBlobMetaStore implements BlobMetaStore {
  private readonly linked: PreparedQuery<BlobRow>;

  constructor(private readonly db: Kysely<Database>) {
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

  async link(repoId: number, digest: Digest): Promise<void> {
    await this.db
      .insertInto('repo_blobs')
      .values({ repo_id: repoId, digest, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['repo_id', 'digest']).doNothing())
      .execute();
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
