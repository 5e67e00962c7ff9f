import type { Kysely, Updateable } from 'kysely';
import {
  type AccessStore,
  ConflictError,
  NO_SUPPLY_CHAIN_RULES,
  type ProjectRecord,
  type ProxySettings,
  type SupplyChainSettings,
} from '../../../ports/access-store.js';
import type { Database } from '../schema.js';
import type { ProjectsTable } from '../schema-access.js';
import { bit, proxyColumns, supplyChainColumns, toProject } from './rows.js';

type Projects = AccessStore['projects'];

export class SqlProjects implements Projects {
  constructor(private readonly db: Kysely<Database>) {}

  async create(
    p: Omit<ProjectRecord, 'id' | 'createdAt' | 'supplyChain' | 'proxy'> & {
      supplyChain?: SupplyChainSettings;
      proxy?: ProxySettings | null;
    },
  ): Promise<ProjectRecord> {
    const row = await this.db
      .insertInto('projects')
      .values({
        name: p.name,
        public: bit(p.public),
        quota_bytes: p.quotaBytes,
        pull_rate_per_minute: p.pullRatePerMinute,
        ...supplyChainColumns(p.supplyChain ?? NO_SUPPLY_CHAIN_RULES),
        ...proxyColumns(p.proxy ?? null),
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ConflictError(`project '${p.name}' already exists`);
    return toProject(row);
  }

  async get(name: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toProject(row);
  }

  async getById(id: number): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toProject(row);
  }

  async list(page: { last?: string; n: number; public?: boolean }): Promise<ProjectRecord[]> {
    const rows = await this.db
      .selectFrom('projects')
      .selectAll()
      .$if(page.last !== undefined, (q) => q.where('name', '>', page.last ?? ''))
      .$if(page.public !== undefined, (q) => q.where('public', '=', bit(page.public ?? false)))
      .orderBy('name')
      .limit(page.n)
      .execute();
    return rows.map(toProject);
  }

  async update(
    name: string,
    patch: Partial<
      Pick<ProjectRecord, 'public' | 'quotaBytes' | 'pullRatePerMinute' | 'supplyChain' | 'proxy'>
    >,
  ): Promise<ProjectRecord | undefined> {
    const set: Updateable<ProjectsTable> = {
      ...(patch.supplyChain ? supplyChainColumns(patch.supplyChain) : {}),
      ...(patch.proxy !== undefined ? proxyColumns(patch.proxy) : {}),
    };
    if (patch.public !== undefined) set.public = bit(patch.public);
    if (patch.quotaBytes !== undefined) set.quota_bytes = patch.quotaBytes;
    if (patch.pullRatePerMinute !== undefined) set.pull_rate_per_minute = patch.pullRatePerMinute;
    if (Object.keys(set).length === 0) return this.get(name);
    const row = await this.db
      .updateTable('projects')
      .set(set)
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row && toProject(row);
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('projects').where('name', '=', name).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
