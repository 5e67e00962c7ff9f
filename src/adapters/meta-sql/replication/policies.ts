import type { Kysely, Selectable } from 'kysely';
import { ConflictError } from '../../../ports/access-store.js';
import type {
  CredentialType,
  NewReplicationPolicy,
  ReplicationFilters,
  ReplicationMode,
  ReplicationPolicyPatch,
  ReplicationPolicyRecord,
  ReplicationPolicyStore,
  ReplicationTrigger,
} from '../../../ports/replication-store.js';
import type { Database } from '../schema.js';
import type { ReplicationPoliciesTable } from '../schema-replication.js';

function toPolicy(r: Selectable<ReplicationPoliciesTable>): ReplicationPolicyRecord {
  return {
    id: Number(r.id),
    name: r.name,
    description: r.description,
    project: r.project,
    mode: r.mode as ReplicationMode,
    endpointUrl: r.endpoint_url,
    insecure: Number(r.insecure) === 1,
    credentials: r.credentials,
    credentialType: r.credential_type as CredentialType | null,
    filters: JSON.parse(r.filters) as ReplicationFilters,
    trigger: JSON.parse(r.trigger) as ReplicationTrigger,
    destinationNamespace: r.destination_namespace,
    deleteReplication: Number(r.delete_replication) === 1,
    enabled: Number(r.enabled) === 1,
    createdAt: new Date(Number(r.created_at)),
    updatedAt: new Date(Number(r.updated_at)),
  };
}

type Columns = Partial<Omit<ReplicationPoliciesTable, 'id' | 'created_at'>>;

function columns(p: ReplicationPolicyPatch): Columns {
  const c: Columns = {};
  if (p.name !== undefined) c.name = p.name;
  if (p.description !== undefined) c.description = p.description;
  if (p.project !== undefined) c.project = p.project;
  if (p.mode !== undefined) c.mode = p.mode;
  if (p.endpointUrl !== undefined) c.endpoint_url = p.endpointUrl;
  if (p.insecure !== undefined) c.insecure = p.insecure ? 1 : 0;
  if (p.credentials !== undefined) c.credentials = p.credentials;
  if (p.credentialType !== undefined) c.credential_type = p.credentialType;
  if (p.filters !== undefined) c.filters = JSON.stringify(p.filters);
  if (p.trigger !== undefined) c.trigger = JSON.stringify(p.trigger);
  if (p.destinationNamespace !== undefined) c.destination_namespace = p.destinationNamespace;
  if (p.deleteReplication !== undefined) c.delete_replication = p.deleteReplication ? 1 : 0;
  if (p.enabled !== undefined) c.enabled = p.enabled ? 1 : 0;
  return c;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '23505' || (typeof e.message === 'string' && /UNIQUE constraint failed/.test(e.message));
}

/** Replication policies; names are unique. */
export class SqlReplicationPolicyStore implements ReplicationPolicyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(p: NewReplicationPolicy): Promise<ReplicationPolicyRecord> {
    const now = Date.now();
    const values = { ...columns(p), created_at: now, updated_at: now } as Omit<
      ReplicationPoliciesTable,
      'id'
    >;
    try {
      const row = await this.db
        .insertInto('replication_policies')
        .values(values)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPolicy(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`replication policy ${p.name} exists`);
      throw err;
    }
  }

  async get(id: number): Promise<ReplicationPolicyRecord | undefined> {
    const row = await this.db
      .selectFrom('replication_policies')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async getByName(name: string): Promise<ReplicationPolicyRecord | undefined> {
    const row = await this.db
      .selectFrom('replication_policies')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async list(): Promise<ReplicationPolicyRecord[]> {
    const rows = await this.db.selectFrom('replication_policies').selectAll().orderBy('id').execute();
    return rows.map(toPolicy);
  }

  async update(id: number, patch: ReplicationPolicyPatch): Promise<ReplicationPolicyRecord | undefined> {
    try {
      await this.db
        .updateTable('replication_policies')
        .set({ ...columns(patch), updated_at: Date.now() })
        .where('id', '=', id)
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`replication policy ${patch.name} exists`);
      throw err;
    }
    return this.get(id);
  }

  async delete(id: number): Promise<boolean> {
    // Explicitly, children first: SQLite enforces the cascade only with foreign_keys on.
    return this.db.transaction().execute(async (tx) => {
      const executions = tx.selectFrom('replication_executions').select('id').where('policy_id', '=', id);
      const artifacts = tx
        .selectFrom('replication_artifacts')
        .select('id')
        .where('execution_id', 'in', executions);
      await tx.deleteFrom('replication_uploads').where('artifact_id', 'in', artifacts).execute();
      await tx.deleteFrom('replication_artifacts').where('execution_id', 'in', executions).execute();
      await tx.deleteFrom('replication_executions').where('policy_id', '=', id).execute();
      const r = await tx.deleteFrom('replication_policies').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }
}
