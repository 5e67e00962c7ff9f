import type { Kysely } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { LabeledArtifact, LabelStore } from '../../ports/lifecycle-store.js';
import type { Database } from './schema.js';
import { inProject } from './usage.js';

type FindQuery = Parameters<LabelStore['find']>[0];

/** Labels on manifests; rows go with their manifest (foreign key, cascade). */
export class SqlLabelStore implements LabelStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** One statement: the label is inserted from the manifest's row, so a missing manifest inserts nothing. */
  async set(repository: string, digest: Digest, key: string, value: string): Promise<boolean> {
    const now = Date.now();
    const r = await this.db
      .insertInto('artifact_labels')
      .columns(['repo_id', 'manifest_digest', 'key', 'value', 'updated_at'])
      .expression((eb) =>
        eb
          .selectFrom('manifests')
          .innerJoin('repositories', 'repositories.id', 'manifests.repo_id')
          .select((s) => [
            'manifests.repo_id',
            'manifests.digest',
            s.val(key).as('key'),
            s.val(value).as('value'),
            s.val(now).as('updated_at'),
          ])
          .where('repositories.name', '=', repository)
          .where('manifests.digest', '=', digest),
      )
      .onConflict((oc) =>
        oc.columns(['repo_id', 'manifest_digest', 'key']).doUpdateSet({ value, updated_at: now }),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async remove(repository: string, digest: Digest, key: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('artifact_labels')
      .where('repo_id', '=', (eb) =>
        eb.selectFrom('repositories').select('id').where('name', '=', repository),
      )
      .where('manifest_digest', '=', digest)
      .where('key', '=', key)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async of(repository: string, digest: Digest): Promise<Record<string, string>> {
    const rows = await this.db
      .selectFrom('artifact_labels as l')
      .innerJoin('repositories as r', 'r.id', 'l.repo_id')
      .select(['l.key', 'l.value'])
      .where('r.name', '=', repository)
      .where('l.manifest_digest', '=', digest)
      .orderBy('l.key')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async find(q: FindQuery): Promise<LabeledArtifact[]> {
    const { value, project, repository, after } = q;
    const rows = await this.db
      .selectFrom('artifact_labels')
      .innerJoin('repositories', 'repositories.id', 'artifact_labels.repo_id')
      .select(['repositories.name', 'artifact_labels.manifest_digest', 'artifact_labels.value'])
      .where('artifact_labels.key', '=', q.key)
      .$if(value !== undefined, (s) => s.where('artifact_labels.value', '=', value ?? ''))
      .$if(project !== undefined, (s) => s.where((eb) => inProject(eb, project ?? '')))
      .$if(repository !== undefined, (s) => s.where('repositories.name', '=', repository ?? ''))
      .$if(after !== undefined, (s) =>
        s.where((eb) =>
          eb.or([
            eb('repositories.name', '>', after?.repository ?? ''),
            eb.and([
              eb('repositories.name', '=', after?.repository ?? ''),
              eb('artifact_labels.manifest_digest', '>', (after?.digest ?? '') as Digest),
            ]),
          ]),
        ),
      )
      .orderBy('repositories.name')
      .orderBy('artifact_labels.manifest_digest')
      .limit(q.n)
      .execute();
    return rows.map((r) => ({ repository: r.name, digest: r.manifest_digest, value: r.value }));
  }
}
