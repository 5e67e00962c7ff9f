import type { Kysely } from 'kysely';
import type { Page, Repository, RepositoryStore } from '../../ports/meta-store.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

export class SqlRepositoryStore implements RepositoryStore {
  private readonly byName: PreparedQuery<Repository>;

  constructor(private readonly db: Kysely<Database>) {
    this.byName = new PreparedQuery('repository_by_name', 1, (name) =>
      db.selectFrom('repositories').select(['id', 'name']).where('name', '=', name),
    );
  }

  async get(name: string): Promise<Repository | undefined> {
    return this.byName.first(this.db, name);
  }

  /**
   * Looks up first (the usual case, and it keeps PostgreSQL's identity sequence from advancing on
   * every call); on a miss, insert-or-ignore then read again, so concurrent callers all get the one row.
   */
  async ensure(name: string): Promise<Repository> {
    const existing = await this.get(name);
    if (existing) return existing;
    const inserted = await this.db
      .insertInto('repositories')
      .values({ name, created_at: Date.now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning(['id', 'name'])
      .executeTakeFirst();
    if (inserted) return inserted;
    const winner = await this.get(name);
    if (!winner) throw new Error(`repository '${name}' vanished while being created`);
    return winner;
  }

  async list(page: Page): Promise<string[]> {
    const rows = await this.db
      .selectFrom('repositories')
      .select('name')
      .$if(page.last !== undefined, (q) => q.where('name', '>', page.last ?? ''))
      .orderBy('name')
      .limit(page.n)
      .execute();
    return rows.map((r) => r.name);
  }
}
