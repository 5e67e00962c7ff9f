import type { Kysely, Updateable } from 'kysely';
import { type AccessStore, ConflictError, type RobotRecord } from '../../../ports/access-store.js';
import type { Database } from '../schema.js';
import type { RobotsTable } from '../schema-access.js';
import { bit, toRobot } from './rows.js';

type Robots = AccessStore['robots'];
type RobotPatch = Parameters<Robots['update']>[1];

export class SqlRobots implements Robots {
  constructor(private readonly db: Kysely<Database>) {}

  async create(r: Omit<RobotRecord, 'id' | 'createdAt'>): Promise<RobotRecord> {
    const row = await this.db
      .insertInto('robots')
      .values({
        name: r.name,
        project_id: r.projectId,
        description: r.description,
        permissions: JSON.stringify(r.permissions),
        secret_hash: r.secretHash,
        secret_salt: r.secretSalt,
        expires_at: r.expiresAt?.getTime() ?? null,
        disabled: bit(r.disabled),
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ConflictError(`robot '${r.name}' already exists`);
    return toRobot(row);
  }

  async get(name: string): Promise<RobotRecord | undefined> {
    const row = await this.db.selectFrom('robots').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRobot(row);
  }

  async list(projectId: number | null): Promise<RobotRecord[]> {
    const rows = await this.db
      .selectFrom('robots')
      .selectAll()
      .where((eb) => (projectId === null ? eb('project_id', 'is', null) : eb('project_id', '=', projectId)))
      .orderBy('name')
      .execute();
    return rows.map(toRobot);
  }

  async update(name: string, patch: RobotPatch): Promise<RobotRecord | undefined> {
    const set: Updateable<RobotsTable> = {};
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.permissions !== undefined) set.permissions = JSON.stringify(patch.permissions);
    if (patch.secretHash !== undefined) set.secret_hash = patch.secretHash;
    if (patch.secretSalt !== undefined) set.secret_salt = patch.secretSalt;
    if (patch.expiresAt !== undefined) set.expires_at = patch.expiresAt?.getTime() ?? null;
    if (patch.disabled !== undefined) set.disabled = bit(patch.disabled);
    if (Object.keys(set).length === 0) return this.get(name);
    const row = await this.db
      .updateTable('robots')
      .set(set)
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row && toRobot(row);
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('robots').where('name', '=', name).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
