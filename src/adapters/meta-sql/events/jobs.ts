import { type Kysely, type Selectable, sql } from 'kysely';
import type { JobRecord, JobStatus, JobStore, NewJob } from '../../../ports/event-store.js';
import type { Database, SqlDialect } from '../schema.js';
import type { JobsTable } from '../schema-events.js';

const DEFAULT_MAX_ATTEMPTS = 5;

function fromJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function toRecord(r: Selectable<JobsTable>): JobRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    payload: fromJson(r.payload),
    uniqueKey: r.unique_key,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    runAfter: new Date(Number(r.run_after)),
    leaseUntil: r.lease_until === null ? null : new Date(Number(r.lease_until)),
    leaseOwner: r.lease_owner,
    status: r.status as JobStatus,
    lastError: r.last_error,
    result: fromJson(r.result),
    createdAt: new Date(Number(r.created_at)),
    updatedAt: new Date(Number(r.updated_at)),
  };
}

/**
 * Inserts jobs (used inside the event log's transaction too). A job whose unique key exists is
 * skipped; the returned ids are those of the new or existing jobs, in order.
 */
export async function insertJobs(
  db: Kysely<Database>,
  jobs: readonly NewJob[],
  now: number,
): Promise<{ id: number; created: boolean }[]> {
  const out: { id: number; created: boolean }[] = [];
  for (const job of jobs) {
    const inserted = await db
      .insertInto('jobs')
      .values({
        kind: job.kind,
        payload: JSON.stringify(job.payload ?? null),
        unique_key: job.uniqueKey ?? null,
        attempts: 0,
        max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        run_after: job.runAfter?.getTime() ?? now,
        lease_until: null,
        lease_owner: null,
        status: 'queued',
        last_error: null,
        result: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('unique_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      out.push({ id: Number(inserted.id), created: true });
      continue;
    }
    const existing = await db
      .selectFrom('jobs')
      .select('id')
      .where('unique_key', '=', job.uniqueKey ?? '')
      .executeTakeFirstOrThrow();
    out.push({ id: Number(existing.id), created: false });
  }
  return out;
}

/** The durable jobs queue over the metadata database. */
export class SqlJobStore implements JobStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async enqueue(job: NewJob): Promise<{ id: number; created: boolean }> {
    const [result] = await insertJobs(this.db, [job], Date.now());
    if (!result) throw new Error('job insert returned nothing');
    return result;
  }

  async claim(kinds: readonly string[], owner: string, leaseMs: number): Promise<JobRecord | undefined> {
    if (kinds.length === 0) return undefined;
    const now = Date.now();
    // PostgreSQL: concurrent claimers skip each other's locked candidate instead of queueing on it.
    // SQLite: one statement is atomic and writers are serialised, so there is nothing to skip.
    const lock = this.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const { rows } = await sql<Selectable<JobsTable>>`
      update jobs
         set status = 'running', attempts = attempts + 1, lease_owner = ${owner},
             lease_until = ${now + leaseMs}, updated_at = ${now}
       where id = (
         select id from jobs
          where kind in (${sql.join(kinds)})
            and ((status in ('queued', 'failed') and run_after <= ${now})
              or (status = 'running' and lease_until < ${now}))
          order by run_after, id
          limit 1
          ${lock})
      returning *`.execute(this.db);
    const row = rows[0];
    return row ? toRecord(row) : undefined;
  }

  async extendLease(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const r = await this.db
      .updateTable('jobs')
      .set({ lease_until: now + leaseMs, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async complete(id: number, owner: string, result: unknown): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({
        status: 'done',
        result: JSON.stringify(result ?? null),
        lease_until: null,
        last_error: null,
        updated_at: Date.now(),
      })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async fail(id: number, owner: string, error: string, retryAt: Date | null): Promise<boolean> {
    const now = Date.now();
    const r = await this.db
      .updateTable('jobs')
      .set({
        status: retryAt ? 'failed' : 'dead',
        last_error: error.slice(0, 4000),
        lease_until: null,
        updated_at: now,
        ...(retryAt ? { run_after: retryAt.getTime() } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(id: number): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async purgeFinishedBefore(before: Date): Promise<number> {
    const r = await this.db
      .deleteFrom('jobs')
      .where('status', 'in', ['done', 'dead'])
      .where('updated_at', '<', before.getTime())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
