import type { Kysely, Selectable } from 'kysely';
import type {
  Decoration,
  ImmutabilityRule,
  ImmutabilityStore,
  Selector,
} from '../../ports/lifecycle-store.js';
import type { Database } from './schema.js';
import type { ImmutabilityRulesTable } from './schema-lifecycle.js';

function toRule(project: string, r: Selectable<ImmutabilityRulesTable>): ImmutabilityRule {
  return {
    id: Number(r.id),
    project,
    repositories: { decoration: r.repo_decoration as Decoration, pattern: r.repo_pattern },
    tags: { decoration: r.tag_decoration as Decoration, pattern: r.tag_pattern },
    createdAt: new Date(Number(r.created_at)),
  };
}

/** Immutability rules, keyed by project id so they go with their project (cascade). */
export class SqlImmutabilityStore implements ImmutabilityStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(project: string): Promise<ImmutabilityRule[]> {
    const rows = await this.db
      .selectFrom('immutability_rules')
      .innerJoin('projects', 'projects.id', 'immutability_rules.project_id')
      .selectAll('immutability_rules')
      .where('projects.name', '=', project)
      .orderBy('immutability_rules.id')
      .execute();
    return rows.map((r) => toRule(project, r));
  }

  async create(
    project: string,
    rule: { repositories: Selector; tags: Selector },
  ): Promise<ImmutabilityRule | undefined> {
    const p = await this.db
      .selectFrom('projects')
      .select('id')
      .where('name', '=', project)
      .executeTakeFirst();
    if (!p) return undefined;
    const row = await this.db
      .insertInto('immutability_rules')
      .values({
        project_id: p.id,
        repo_decoration: rule.repositories.decoration,
        repo_pattern: rule.repositories.pattern,
        tag_decoration: rule.tags.decoration,
        tag_pattern: rule.tags.pattern,
        created_at: Date.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRule(project, row);
  }

  async delete(project: string, id: number): Promise<boolean> {
    const r = await this.db
      .deleteFrom('immutability_rules')
      .where('id', '=', id)
      .where('project_id', '=', (eb) => eb.selectFrom('projects').select('id').where('name', '=', project))
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
