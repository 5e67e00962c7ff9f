import { type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { type Digest, tryParseDigest } from '../../oci/digest.js';
import type {
  ArtifactDetail,
  ArtifactSummary,
  CatalogStore,
  ReferrerSummary,
  RepositorySummary,
} from '../../ports/catalog-store.js';
import { type ArtifactRow, artifactSizes, platformsOf } from './catalog-artifacts.js';
import { artifactExtras } from './catalog-extras.js';
import type { Database } from './schema.js';
import { inProject } from './usage.js';

type Eb = ExpressionBuilder<Database, 'repositories'>;
type ManifestEb = ExpressionBuilder<Database, 'manifests'>;

/** `%` and `_` in a LIKE pattern taken literally (escape character `\`, said explicitly for both dialects). */
function likePattern(substring: string): string {
  return `%${substring.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * A manifest is listed unless it is attached (an index child, or a referrer whose subject is in the
 * repository) and untagged. Correlated on `manifests` (aliased `m`).
 */
function listed(eb: ManifestEb) {
  const tagged = eb.exists(
    eb
      .selectFrom('tags as lt')
      .select('lt.name')
      .whereRef('lt.repo_id', '=', 'manifests.repo_id')
      .whereRef('lt.manifest_digest', '=', 'manifests.digest'),
  );
  const child = eb.exists(
    eb
      .selectFrom('manifest_refs as le')
      .select('le.kind')
      .whereRef('le.repo_id', '=', 'manifests.repo_id')
      .whereRef('le.child_digest', '=', 'manifests.digest')
      .where('le.kind', '=', 'manifest'),
  );
  const referrer = eb.exists(
    eb
      .selectFrom('manifests as ls')
      .select('ls.digest')
      .whereRef('ls.repo_id', '=', 'manifests.repo_id')
      .whereRef('ls.digest', '=', 'manifests.subject'),
  );
  return eb.or([tagged, eb.not(eb.or([child, referrer]))]);
}

const REPOSITORY_COLUMNS = (eb: Eb) => [
  'repositories.name' as const,
  eb
    .selectFrom('tags')
    .select((s) => s.fn.countAll<number | string>().as('n'))
    .whereRef('tags.repo_id', '=', 'repositories.id')
    .as('tag_count'),
  eb
    .selectFrom('manifests')
    .select((s) => s.fn.countAll<number | string>().as('n'))
    .whereRef('manifests.repo_id', '=', 'repositories.id')
    .where((w) => listed(w))
    .as('artifact_count'),
  eb
    .selectFrom('repo_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repo_blobs.digest')
    .select((s) => s.fn.coalesce(s.fn.sum<number | string>('blobs.size'), s.lit(0)).as('n'))
    .whereRef('repo_blobs.repo_id', '=', 'repositories.id')
    .as('blob_bytes'),
  eb
    .selectFrom('manifests')
    .select((s) => s.fn.coalesce(s.fn.sum<number | string>('manifests.size'), s.lit(0)).as('n'))
    .whereRef('manifests.repo_id', '=', 'repositories.id')
    .as('manifest_bytes'),
  eb
    .selectFrom('manifests')
    .select((s) => s.fn.max<number | string | null>('manifests.created_at').as('n'))
    .whereRef('manifests.repo_id', '=', 'repositories.id')
    .as('pushed_at'),
  eb
    .selectFrom('tags')
    .select((s) => s.fn.max<number | string | null>('tags.updated_at').as('n'))
    .whereRef('tags.repo_id', '=', 'repositories.id')
    .as('tagged_at'),
];

interface RepositoryRow {
  name: string;
  tag_count: number | string | null;
  artifact_count: number | string | null;
  blob_bytes: number | string | null;
  manifest_bytes: number | string | null;
  pushed_at: number | string | null;
  tagged_at: number | string | null;
}

function toRepository(r: RepositoryRow): RepositorySummary {
  return {
    name: r.name,
    artifactCount: Number(r.artifact_count ?? 0),
    tagCount: Number(r.tag_count ?? 0),
    sizeBytes: Number(r.blob_bytes ?? 0) + Number(r.manifest_bytes ?? 0),
    updatedAt: new Date(Math.max(Number(r.pushed_at ?? 0), Number(r.tagged_at ?? 0))),
  };
}

function hasManifest(eb: Eb) {
  return eb.exists(
    eb
      .selectFrom('manifests')
      .select('manifests.digest')
      .whereRef('manifests.repo_id', '=', 'repositories.id'),
  );
}

const ARTIFACT_COLUMNS = [
  'manifests.digest',
  'manifests.media_type',
  'manifests.artifact_type',
  'manifests.subject',
  'manifests.size',
  'manifests.body',
  'manifests.created_at',
  'manifests.pushed_at',
  'manifests.pulled_at',
] as const;

/** Manifests carrying the label (correlated on `manifests`). */
function labeled(eb: ManifestEb, label: { key: string; value?: string }) {
  const { value } = label;
  return eb.exists(
    eb
      .selectFrom('artifact_labels as al')
      .select('al.key')
      .whereRef('al.repo_id', '=', 'manifests.repo_id')
      .whereRef('al.manifest_digest', '=', 'manifests.digest')
      .where('al.key', '=', label.key)
      .$if(value !== undefined, (s) => s.where('al.value', '=', value ?? '')),
  );
}

/** The management API's read queries; the same Kysely queries on SQLite and PostgreSQL. */
export class SqlCatalogStore implements CatalogStore {
  constructor(private readonly db: Kysely<Database>) {}

  async repositories(
    project: string,
    q: { nameContains?: string; last?: string; n: number },
  ): Promise<RepositorySummary[]> {
    const { nameContains, last } = q;
    const rows = await this.db
      .selectFrom('repositories')
      .select(REPOSITORY_COLUMNS)
      .where((eb) => inProject(eb, project))
      .where(hasManifest)
      .$if(last !== undefined, (s) => s.where('repositories.name', '>', last ?? ''))
      .$if(nameContains !== undefined && nameContains !== '', (s) =>
        s.where(sql<SqlBool>`repositories.name like ${likePattern(nameContains ?? '')} escape '\\'`),
      )
      .orderBy('repositories.name')
      .limit(q.n)
      .execute();
    return rows.map((r) => toRepository(r));
  }

  async repository(name: string): Promise<RepositorySummary | undefined> {
    const row = await this.db
      .selectFrom('repositories')
      .select(REPOSITORY_COLUMNS)
      .where('repositories.name', '=', name)
      .where(hasManifest)
      .executeTakeFirst();
    return row && toRepository(row);
  }

  async artifacts(
    repository: string,
    q: { last?: string; n: number; label?: { key: string; value?: string } },
  ): Promise<ArtifactSummary[] | undefined> {
    const repo = await this.repoId(repository);
    if (repo === undefined) return undefined;
    const after = q.last === undefined ? undefined : await this.pushedAt(repo, q.last);
    const { label } = q;
    const rows = await this.db
      .selectFrom('manifests')
      .select(ARTIFACT_COLUMNS)
      .where('manifests.repo_id', '=', repo)
      .where((eb) => listed(eb))
      .$if(label !== undefined, (s) => s.where((eb) => labeled(eb, label ?? { key: '' })))
      .$if(after !== undefined, (s) =>
        s.where((eb) =>
          eb.or([
            eb('manifests.created_at', '<', after ?? 0),
            eb.and([
              eb('manifests.created_at', '=', after ?? 0),
              eb('manifests.digest', '>', q.last as Digest),
            ]),
          ]),
        ),
      )
      .orderBy('manifests.created_at', 'desc')
      .orderBy('manifests.digest')
      .limit(q.n)
      .execute();
    return this.summarize(repo, rows);
  }

  async artifact(repository: string, reference: string): Promise<ArtifactDetail | undefined> {
    const repo = await this.repoId(repository);
    if (repo === undefined) return undefined;
    const digest = tryParseDigest(reference) ?? (await this.tagged(repo, reference));
    if (digest === undefined) return undefined;
    const rows = await this.db
      .selectFrom('manifests')
      .select(ARTIFACT_COLUMNS)
      .where('manifests.repo_id', '=', repo)
      .where('manifests.digest', '=', digest)
      .execute();
    const [summary] = await this.summarize(repo, rows);
    return summary && { ...summary, referrers: await this.referrers(repo, digest) };
  }

  async manifestDigests(repository: string): Promise<Digest[]> {
    const rows = await this.db
      .selectFrom('manifests')
      .innerJoin('repositories', 'repositories.id', 'manifests.repo_id')
      .select('manifests.digest')
      .where('repositories.name', '=', repository)
      .orderBy('manifests.digest')
      .execute();
    return rows.map((r) => r.digest);
  }

  private async summarize(repo: number, rows: ArtifactRow[]): Promise<ArtifactSummary[]> {
    if (rows.length === 0) return [];
    const extras = await artifactExtras(
      this.db,
      repo,
      rows.map((r) => r.digest),
    );
    const sizes = await artifactSizes(this.db, repo, rows);
    return rows.map((r) => {
      const tagTimes = extras.tags.get(r.digest) ?? [];
      return {
        digest: r.digest,
        mediaType: r.media_type,
        artifactType: r.artifact_type,
        subject: r.subject,
        size: sizes.get(r.digest) ?? Number(r.size),
        tags: tagTimes.map((t) => t.name),
        platforms: platformsOf(r),
        pushedAt: new Date(Number(r.pushed_at)),
        pulledAt: r.pulled_at === null ? null : new Date(Number(r.pulled_at)),
        tagTimes,
        labels: extras.labels.get(r.digest) ?? {},
      };
    });
  }

  private async referrers(repo: number, subject: Digest): Promise<ReferrerSummary[]> {
    const rows = await this.db
      .selectFrom('manifests')
      .select(['digest', 'media_type', 'artifact_type', 'size', 'annotations', 'created_at'])
      .where('repo_id', '=', repo)
      .where('subject', '=', subject)
      .orderBy('created_at')
      .orderBy('digest')
      .execute();
    return rows.map((r) => ({
      digest: r.digest,
      mediaType: r.media_type,
      artifactType: r.artifact_type,
      size: Number(r.size),
      annotations: r.annotations ? (JSON.parse(r.annotations) as Record<string, string>) : null,
      pushedAt: new Date(Number(r.created_at)),
    }));
  }

  private async repoId(name: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('repositories')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.id;
  }

  private async tagged(repo: number, tag: string): Promise<Digest | undefined> {
    const row = await this.db
      .selectFrom('tags')
      .select('manifest_digest')
      .where('repo_id', '=', repo)
      .where('name', '=', tag)
      .executeTakeFirst();
    return row?.manifest_digest;
  }

  private async pushedAt(repo: number, digest: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('manifests')
      .select('created_at')
      .where('repo_id', '=', repo)
      .where('digest', '=', digest as Digest)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.created_at);
  }
}
