import type { Kysely, Transaction } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { Actor } from '../../ports/lifecycle-store.js';
import {
  type ManifestRecord,
  type ManifestRef,
  type ManifestStore,
  type ReferrerRecord,
  TagChangedError,
  type TagWrite,
} from '../../ports/meta-store.js';
import { requireLinked } from './blobs.js';
import { PreparedQuery } from './prepared.js';
import type { Database, SqlDialect } from './schema.js';
import { recordTagChanges } from './tag-history.js';

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

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {
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
    write: TagWrite = {},
    linked: readonly Digest[] = [],
  ): Promise<{ previousTagDigest: Digest | undefined }> {
    return this.db.transaction().execute(async (trx) => {
      await requireLinked(trx, this.dialect, repoId, linked);
      const now = Date.now();
      await insertManifest(trx, repoId, manifest, now);
      await insertRefs(trx, repoId, manifest.digest, refs);
      const previousTagDigest =
        tag === undefined
          ? undefined
          : await pointTag(trx, { repoId, tag, digest: manifest.digest, now, ...write });
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

  async delete(
    repoId: number,
    digest: Digest,
    o: { actor?: Actor; expectTags?: readonly string[] } = {},
  ): Promise<string[] | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom('tags')
        .where('repo_id', '=', repoId)
        .where('manifest_digest', '=', digest)
        .returning('name')
        .execute();
      const tags = deleted.map((t) => t.name).sort();
      if (o.expectTags && !sameNames(tags, o.expectTags)) throw new TagChangedError(tags.join(', '));
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
      // Labels go by cascade; each tag's deletion is history.
      const at = Date.now();
      const change = { repoId, action: 'deleted' as const, from: digest, to: null, actor: o.actor, at };
      await recordTagChanges(
        trx,
        tags.map((tag) => ({ ...change, tag })),
      );
      return tags;
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

/** Inserts the manifest, or (pushed again) keeps the first row and raises its push time. */
async function insertManifest(
  trx: Transaction<Database>,
  repoId: number,
  m: ManifestRecord,
  now: number,
): Promise<void> {
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
      created_at: now,
      pushed_at: now,
    })
    .onConflict((oc) => oc.columns(['repo_id', 'digest']).doUpdateSet({ pushed_at: now }))
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

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const want = [...b].sort();
  return a.length === want.length && a.every((name, i) => name === want[i]);
}

interface TagPoint extends TagWrite {
  repoId: number;
  tag: string;
  digest: Digest;
  now: number;
}

/**
 * Points a tag at `digest`, setting its push time and recording a creation or a move in its history;
 * returns the digest it pointed at before when that differs. A missing tag is inserted (nothing to
 * lock); an existing one is first updated to itself, which locks the row (PostgreSQL) and returns
 * its current value, so concurrent movers serialize on it. A tag deleted between the two statements
 * is simply inserted on the next round.
 */
async function pointTag(trx: Transaction<Database>, t: TagPoint): Promise<Digest | undefined> {
  const { repoId, tag, digest, now } = t;
  const at = { repoId, tag, actor: t.actor, at: now };
  for (;;) {
    const created = await trx
      .insertInto('tags')
      .values({ repo_id: repoId, name: tag, manifest_digest: digest, updated_at: now, pushed_at: now })
      .onConflict((oc) => oc.columns(['repo_id', 'name']).doNothing())
      .returning('manifest_digest')
      .executeTakeFirst();
    if (created) {
      if (t.expect !== undefined && t.expect !== null) throw new TagChangedError(tag);
      await recordTagChanges(trx, [{ ...at, action: 'created', from: null, to: digest }]);
      return undefined;
    }
    const current = await trx
      .updateTable('tags')
      .set({ pushed_at: now })
      .where('repo_id', '=', repoId)
      .where('name', '=', tag)
      .returning('manifest_digest')
      .executeTakeFirst();
    if (!current) continue;
    const from = current.manifest_digest;
    if (t.expect !== undefined && t.expect !== from) throw new TagChangedError(tag);
    if (from === digest) return undefined;
    await trx
      .updateTable('tags')
      .set({ manifest_digest: digest, updated_at: now, pulled_at: null })
      .where('repo_id', '=', repoId)
      .where('name', '=', tag)
      .execute();
    await recordTagChanges(trx, [{ ...at, action: 'moved', from, to: digest }]);
    return from;
  }
}
