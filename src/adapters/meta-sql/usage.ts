import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { UsageStore } from '../../ports/usage-store.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

type WithRepositories = ExpressionBuilder<Database, 'repositories'>;

/**
 * Repositories of `project`: the name itself or `<project>/…`. A range, not LIKE, so both dialects
 * use the unique index on repositories.name (byte order: "C" collation on PostgreSQL; '0' is the
 * byte after '/'). Project names never contain '/'.
 */
export function inProject(eb: WithRepositories, project: string) {
  return inRange(eb, ...projectBounds(project));
}

/** The bounds `inProject` compares names with: the name, and the half-open range of its children. */
export function projectBounds(project: string): [exact: string, from: string, to: string] {
  return [project, `${project}/`, `${project}0`];
}

function inRange(eb: WithRepositories, exact: string, from: string, to: string) {
  return eb.or([
    eb('repositories.name', '=', exact),
    eb.and([eb('repositories.name', '>=', from), eb('repositories.name', '<', to)]),
  ]);
}

/**
 * Storage accounting over the metadata tables. Cost is proportional to the project's links and
 * manifests (two aggregates over indexed ranges), fine per push at today's scale; a counter table
 * maintained by the registry is the next step if it is not.
 */
export class SqlUsageStore implements UsageStore {
  private readonly hasBlob: PreparedQuery<{ one: number }>;

  constructor(private readonly db: Kysely<Database>) {
    this.hasBlob = new PreparedQuery('usage_project_has_blob', 4, (digest, exact, from, to) =>
      db
        .selectFrom('repo_blobs')
        .innerJoin('repositories', 'repositories.id', 'repo_blobs.repo_id')
        .select((eb) => eb.lit(1).as('one'))
        .where('repo_blobs.digest', '=', digest as Digest)
        .where((eb) => inRange(eb, exact, from, to))
        .limit(sql.lit(1)),
    );
  }

  async projectBytes(project: string): Promise<number> {
    const row = await this.db
      .selectNoFrom((eb) => [
        // Each distinct blob once, however many of the project's repositories link it.
        eb
          .selectFrom('blobs')
          .select((b) => b.fn.coalesce(b.fn.sum<number | string>('blobs.size'), b.lit(0)).as('n'))
          .where('blobs.digest', 'in', (sub) =>
            sub
              .selectFrom('repo_blobs')
              .innerJoin('repositories', 'repositories.id', 'repo_blobs.repo_id')
              .select('repo_blobs.digest')
              .where((w) => inProject(w, project)),
          )
          .as('blob_bytes'),
        eb
          .selectFrom('manifests')
          .innerJoin('repositories', 'repositories.id', 'manifests.repo_id')
          .select((m) => m.fn.coalesce(m.fn.sum<number | string>('manifests.size'), m.lit(0)).as('n'))
          .where((w) => inProject(w, project))
          .as('manifest_bytes'),
      ])
      .executeTakeFirstOrThrow();
    return Number(row.blob_bytes ?? 0) + Number(row.manifest_bytes ?? 0);
  }

  async projectHasBlob(project: string, digest: string): Promise<boolean> {
    return (await this.hasBlob.first(this.db, digest, ...projectBounds(project))) !== undefined;
  }
}
