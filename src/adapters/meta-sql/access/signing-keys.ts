import type { Kysely } from 'kysely';
import { type AccessStore, ConflictError, type SigningKeyRecord } from '../../../ports/access-store.js';
import type { Database } from '../schema.js';
import { toSigningKey } from './rows.js';

type SigningKeys = AccessStore['signingKeys'];

export class SqlSigningKeys implements SigningKeys {
  constructor(private readonly db: Kysely<Database>) {}

  async add(k: SigningKeyRecord): Promise<void> {
    const row = await this.db
      .insertInto('signing_keys')
      .values({
        kid: k.kid,
        private_jwk: k.privateJwk,
        created_at: k.createdAt.getTime(),
        retired_at: k.retiredAt?.getTime() ?? null,
      })
      .onConflict((oc) => oc.column('kid').doNothing())
      .returning('kid')
      .executeTakeFirst();
    if (!row) throw new ConflictError(`signing key '${k.kid}' already exists`);
  }

  async list(): Promise<SigningKeyRecord[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
    return rows.map(toSigningKey);
  }

  async retire(kid: string, at: Date): Promise<void> {
    await this.db
      .updateTable('signing_keys')
      .set({ retired_at: at.getTime() })
      .where('kid', '=', kid)
      .execute();
  }
}
