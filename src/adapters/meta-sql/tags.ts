import type { Kysely } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { Actor, TagHistoryEntry } from '../../ports/lifecycle-store.js';
import { type Page, TagChangedError, type TagStore } from '../../ports/meta-store.js';
import type { Database } from './schema.js';
import { recordTagChanges, tagHistory } from './tag-history.js';

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

  async get(repoId: number, tag: string): Promise<{ digest: Digest; subject: Digest | null } | undefined> {
    const row = await this.db
      .selectFrom('tags as t')
      .innerJoin('manifests as m', (j) =>
        j.onRef('m.repo_id', '=', 't.repo_id').onRef('m.digest', '=', 't.manifest_digest'),
      )
      .select(['t.manifest_digest', 'm.subject'])
      .where('t.repo_id', '=', repoId)
      .where('t.name', '=', tag)
      .executeTakeFirst();
    return row && { digest: row.manifest_digest, subject: row.subject };
  }

  async pointingAt(repoId: number, digest: Digest): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tags')
      .select('name')
      .where('repo_id', '=', repoId)
      .where('manifest_digest', '=', digest)
      .orderBy('name')
      .execute();
    return rows.map((r) => r.name);
  }

  async delete(repoId: number, tag: string, o: { actor?: Actor; expect?: Digest } = {}): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('tags')
        .where('repo_id', '=', repoId)
        .where('name', '=', tag)
        .returning('manifest_digest')
        .executeTakeFirst();
      if (!gone) return false;
      if (o.expect !== undefined && gone.manifest_digest !== o.expect) throw new TagChangedError(tag);
      const change = { repoId, tag, action: 'deleted' as const, from: gone.manifest_digest, to: null };
      await recordTagChanges(trx, [{ ...change, actor: o.actor, at: Date.now() }]);
      return true;
    });
  }

  history(
    repoName: string,
    tag: string,
    page: { before?: number; n: number },
  ): Promise<TagHistoryEntry[] | undefined> {
    return tagHistory(this.db, repoName, tag, page);
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
