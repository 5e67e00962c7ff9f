import type { Kysely, Transaction } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { ManifestRecord, ManifestRef, ManifestStore, ReferrerRecord } from '../../ports/meta-store.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

/** Rows per multi-row statement: far below SQLite's 32766 and PostgreSQL's 65535 bind parameters. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function uniqueRefs(refs: readonly ManifestRef[]): ManifestRef[] {
  const seen = new Map<string, ManifestRef>();
  for (const r of refs) seen.set(`${r.kind} ${r.digest}`, r);
  return [...seen.values()];
}

const MANIFEST_COLUMNS = [
  'm.digest',
  'm.media_type',
  'm.size',
  'm.body',
  'm.artifact_type',
  'm.subject',
  'm.annotations',
] as const;

interface ManifestRow {
  digest: Digest;
  media_type: string;
  size: number;
  body: Buffer | Uint8Array;
  artifact_type: string | null;
  subject: Digest | null;
  annotations: string | null;
}

export class SqlManifestStore implements ManifestStore {
  private readonly byTag: PreparedQuery<ManifestRow>;
  private readonly byDigest: PreparedQuery<ManifestRow>;

  constructor(private readonly db: Kysely<Database>) {
    this.byTag = new PreparedQuery('manifest_by_tag', 2, (repoName, tag) =>
      db
        .selectFrom('repositories as r')
        .innerJoin('tags as t', 't.repo_id', 'r.id')
        .innerJoin('manifests as m', (j) =>
          j.onRef('m.repo_id', '=', 'r.id').onRef('m.digest', '=', 't.manifest_digest'),
        )
        .select(MANIFEST_COLUMNS)
        .where('r.name', '=', repoName)
        .where('t.name', '=', tag),
    );
    this.byDigest = new PreparedQuery('manifest_by_digest', 2, (repoName, digest) =>
      db
        .selectFrom('repositories as r')
        .innerJoin('manifests as m', 'm.repo_id', 'r.id')
        .select(MANIFEST_COLUMNS)
        .where('r.name', '=', repoName)
        .where('m.digest', '=', digest as Digest),
    );
  }

  async put(
    repoId: number,
    manifest: ManifestRecord,
    refs: ManifestRef[],
    tag?: string,
  ): Promise<{ previousTagDigest: Digest | undefined }> {
    return this.db.transaction().execute(async (trx) => {
      await insertManifest(trx, repoId, manifest);
      await insertRefs(trx, repoId, manifest.digest, refs);
      const previousTagDigest =
        tag === undefined ? undefined : await pointTag(trx, repoId, tag, manifest.digest);
      return { previousTagDigest };
    });
  }

  /** Pull by tag: one indexed query over repositories ⋈ tags ⋈ manifests. */
  async getByTag(repoName: string, tag: string): Promise<ManifestRecord | undefined> {
    const row = await this.byTag.first(this.db, repoName, tag);
    return row && toRecord(row);
  }

  /** Pull by digest: one indexed query over repositories ⋈ manifests. */
  async getByDigest(repoName: string, digest: Digest): Promise<ManifestRecord | undefined> {
    const row = await this.byDigest.first(this.db, repoName, digest);
    return row && toRecord(row);
  }

  async missing(repoId: number, blobs: Digest[], manifests: Digest[]): Promise<Digest[]> {
    const wantBlobs = [...new Set(blobs)];
    const wantManifests = [...new Set(manifests)];
    const have = new Set<Digest>([
      ...(await this.present('repo_blobs', repoId, wantBlobs)),
      ...(await this.present('manifests', repoId, wantManifests)),
    ]);
    const missingBlobs = wantBlobs.filter((d) => !have.has(d));
    const missingManifests = wantManifests.filter((d) => !have.has(d));
    return [...new Set([...missingBlobs, ...missingManifests])];
  }

  async delete(repoId: number, digest: Digest): Promise<string[] | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const tags = await trx
        .deleteFrom('tags')
        .where('repo_id', '=', repoId)
        .where('manifest_digest', '=', digest)
        .returning('name')
        .execute();
      await trx
        .deleteFrom('manifest_refs')
        .where('repo_id', '=', repoId)
        .where('manifest_digest', '=', digest)
        .execute();
      const gone = await trx
        .deleteFrom('manifests')
        .where('repo_id', '=', repoId)
        .where('digest', '=', digest)
        .executeTakeFirst();
      if (gone.numDeletedRows === 0n) return undefined;
      return tags.map((t) => t.name).sort();
    });
  }

  async referrers(repoId: number, subject: Digest, artifactType?: string): Promise<ReferrerRecord[]> {
    const rows = await this.db
      .selectFrom('manifests')
      .select(['digest', 'media_type', 'size', 'artifact_type', 'annotations'])
      .where('repo_id', '=', repoId)
      .where('subject', '=', subject)
      .$if(artifactType !== undefined, (q) => q.where('artifact_type', '=', artifactType ?? ''))
      .orderBy('digest')
      .execute();
    return rows.map((r) => ({
      digest: r.digest,
      mediaType: r.media_type,
      size: Number(r.size),
      artifactType: r.artifact_type,
      annotations: r.annotations,
    }));
  }

  async parents(repoId: number, child: Digest): Promise<Digest[]> {
    const rows = await this.db
      .selectFrom('manifest_refs')
      .select('manifest_digest')
      .where('repo_id', '=', repoId)
      .where('child_digest', '=', child)
      .where('kind', '=', 'manifest')
      .orderBy('manifest_digest')
      .execute();
    return rows.map((r) => r.manifest_digest);
  }

  /** Which of `digests` have a row in `table` for the repository (blob links or stored manifests). */
  private async present(
    table: 'repo_blobs' | 'manifests',
    repoId: number,
    digests: Digest[],
  ): Promise<Digest[]> {
    const found: Digest[] = [];
    for (const part of chunks(digests)) {
      const rows = await this.db
        .selectFrom(table as 'manifests')
        .select('digest')
        .where('repo_id', '=', repoId)
        .where('digest', 'in', part)
        .execute();
      for (const r of rows) found.push(r.digest);
    }
    return found;
  }
}

function toRecord(row: ManifestRow): ManifestRecord {
  return {
    digest: row.digest,
    mediaType: row.media_type,
    size: Number(row.size),
    body: Buffer.isBuffer(row.body) ? row.body : Buffer.from(row.body),
    artifactType: row.artifact_type,
    subject: row.subject,
    annotations: row.annotations,
  };
}

async function insertManifest(trx: Transaction<Database>, repoId: number, m: ManifestRecord): Promise<void> {
  await trx
    .insertInto('manifests')
    .values({
      repo_id: repoId,
      digest: m.digest,
      media_type: m.mediaType,
      artifact_type: m.artifactType,
      subject: m.subject,
      size: m.size,
      body: m.body,
      annotations: m.annotations,
      created_at: Date.now(),
    })
    .onConflict((oc) => oc.columns(['repo_id', 'digest']).doNothing())
    .execute();
}

async function insertRefs(
  trx: Transaction<Database>,
  repoId: number,
  digest: Digest,
  refs: ManifestRef[],
): Promise<void> {
  for (const part of chunks(uniqueRefs(refs))) {
    await trx
      .insertInto('manifest_refs')
      .values(
        part.map((r) => ({ repo_id: repoId, manifest_digest: digest, child_digest: r.digest, kind: r.kind })),
      )
      .onConflict((oc) => oc.columns(['repo_id', 'manifest_digest', 'child_digest', 'kind']).doNothing())
      .execute();
  }
}

/**
 * Points a tag at `digest`, returning the digest it pointed at before when that differs. The first
 * statement is an upsert that rewrites the row to itself: it creates a missing tag, and otherwise
 * locks the row (PostgreSQL) and returns its current value, so concurrent movers serialize on it.
 */
async function pointTag(
  trx: Transaction<Database>,
  repoId: number,
  tag: string,
  digest: Digest,
): Promise<Digest | undefined> {
  const now = Date.now();
  const current = await trx
    .insertInto('tags')
    .values({ repo_id: repoId, name: tag, manifest_digest: digest, updated_at: now })
    .onConflict((oc) =>
      oc
        .columns(['repo_id', 'name'])
        .doUpdateSet({ manifest_digest: (eb) => eb.ref('tags.manifest_digest') }),
    )
    .returning('manifest_digest')
    .executeTakeFirstOrThrow();
  if (current.manifest_digest === digest) return undefined;
  await trx
    .updateTable('tags')
    .set({ manifest_digest: digest, updated_at: now })
    .where('repo_id', '=', repoId)
    .where('name', '=', tag)
    .execute();
  return current.manifest_digest;
}
