import type { Kysely } from 'kysely';
import type { Upload, UploadStore } from '../../ports/meta-store.js';
import type { Database } from './schema.js';

export class SqlUploadStore implements UploadStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(id: string, repoId: number): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('uploads')
      .values({ id, repo_id: repoId, offset: 0, started_at: now, updated_at: now })
      .execute();
  }

  async get(id: string): Promise<Upload | undefined> {
    const row = await this.db
      .selectFrom('uploads as u')
      .innerJoin('repositories as r', 'r.id', 'u.repo_id')
      .select(['u.id', 'u.repo_id', 'r.name', 'u.offset', 'u.started_at', 'u.updated_at'])
      .where('u.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      repoId: row.repo_id,
      repoName: row.name,
      offset: Number(row.offset),
      startedAt: new Date(Number(row.started_at)),
      updatedAt: new Date(Number(row.updated_at)),
    };
  }

  async setOffset(id: string, offset: number): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ offset, updated_at: Date.now() })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  async expired(before: Date): Promise<string[]> {
    const rows = await this.db
      .selectFrom('uploads')
      .select('id')
      .where('updated_at', '<', before.getTime())
      .orderBy('updated_at')
      .execute();
    return rows.map((r) => r.id);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
