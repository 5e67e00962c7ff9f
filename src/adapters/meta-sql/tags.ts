import type { Kysely } from 'kysely';
import type { Page, TagStore } from '../../ports/meta-store.js';
import type { Database } from './schema.js';

export class SqlTagStore implements TagStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * One query: repositories LEFT JOIN tags, so a repository without (further) tags yields a single
   * row with a null name, and an unknown repository yields no row at all.
   */
  async list(repoName: string, page: Page): Promise<string[] | undefined> {
    if (page.n <= 0) return (await this.repoExists(repoName)) ? [] : undefined;
    const last = page.last;
    const rows = await this.db
      .selectFrom('repositories as r')
      .leftJoin('tags as t', (j) => {
        const sameRepo = j.onRef('t.repo_id', '=', 'r.id');
        return last === undefined ? sameRepo : sameRepo.on('t.name', '>', last);
      })
      .select('t.name')
      .where('r.name', '=', repoName)
      .orderBy('t.name')
      .limit(page.n)
      .execute();
    if (rows.length === 0) return undefined;
    return rows.flatMap((r) => (r.name === null ? [] : [r.name]));
  }

  async delete(repoId: number, tag: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('tags')
      .where('repo_id', '=', repoId)
      .where('name', '=', tag)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  private async repoExists(name: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('repositories')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    return row !== undefined;
  }
}
