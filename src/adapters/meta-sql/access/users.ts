import { type Kysely, sql, type Updateable } from 'kysely';
import { type AccessStore, ConflictError, type UserRecord } from '../../../ports/access-store.js';
import type { Database } from '../schema.js';
import type { UsersTable } from '../schema-access.js';
import { bit, toUser } from './rows.js';

type Users = AccessStore['users'];
type UserPatch = Parameters<Users['update']>[1];

export class SqlUsers implements Users {
  constructor(private readonly db: Kysely<Database>) {}

  async create(u: Omit<UserRecord, 'id' | 'createdAt'>): Promise<UserRecord> {
    const row = await this.db
      .insertInto('users')
      .values({
        username: u.username,
        email: u.email,
        admin: bit(u.admin),
        disabled: bit(u.disabled),
        password_hash: u.passwordHash,
        password_salt: u.passwordSalt,
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ConflictError(`user '${u.username}' already exists`);
    return toUser(row);
  }

  async get(username: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async getById(id: number): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async list(page: { last?: string; n: number }): Promise<UserRecord[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .$if(page.last !== undefined, (q) => q.where('username', '>', page.last ?? ''))
      .orderBy('username')
      .limit(page.n)
      .execute();
    return rows.map(toUser);
  }

  async update(username: string, patch: UserPatch): Promise<UserRecord | undefined> {
    const set: Updateable<UsersTable> = {};
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.admin !== undefined) set.admin = bit(patch.admin);
    if (patch.disabled !== undefined) set.disabled = bit(patch.disabled);
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.passwordSalt !== undefined) set.password_salt = patch.passwordSalt;
    if (Object.keys(set).length === 0) return this.get(username);
    const row = await this.db
      .updateTable('users')
      .set(set)
      .where('username', '=', username)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  async delete(username: string): Promise<boolean> {
    const r = await this.db.deleteFrom('users').where('username', '=', username).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
