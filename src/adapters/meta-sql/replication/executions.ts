import { type Kysely, type Selectable, sql } from 'kysely';
import type { NewJob } from '../../../ports/event-store.js';
import type {
  ArtifactPatch,
  ArtifactRecord,
  ArtifactStatus,
  ExecutionCounts,
  ExecutionRecord,
  ExecutionStatus,
  ExecutionTrigger,
  NewArtifact,
  ReplicationExecutionStore,
} from '../../../ports/replication-store.js';
import { insertJobs } from '../events/jobs.js';
import type { Database } from '../schema.js';
import type { ReplicationArtifactsTable, ReplicationExecutionsTable } from '../schema-replication.js';

const PENDING: readonly ArtifactStatus[] = ['pending', 'running', 'retrying'];

const date = (ms: number | null) => (ms === null ? null : new Date(Number(ms)));

function emptyCounts(): ExecutionCounts {
  return { total: 0, pending: 0, copied: 0, skipped: 0, failed: 0, planned: 0, deleted: 0 };
}

function addCount(c: ExecutionCounts, status: string, n: number): void {
  c.total += n;
  if ((PENDING as readonly string[]).includes(status)) c.pending += n;
  else if (status in c) c[status as keyof ExecutionCounts] += n;
}

function toExecution(r: Selectable<ReplicationExecutionsTable>, counts: ExecutionCounts): ExecutionRecord {
  return {
    id: Number(r.id),
    policyId: Number(r.policy_id),
    trigger: r.trigger as ExecutionTrigger,
    dryRun: Number(r.dry_run) === 1,
    status: r.status as ExecutionStatus,
    error: r.error,
    jobId: r.job_id === null ? null : Number(r.job_id),
    counts,
    createdAt: new Date(Number(r.created_at)),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
  };
}

function toArtifact(r: Selectable<ReplicationArtifactsTable>): ArtifactRecord {
  return {
    id: Number(r.id),
    executionId: Number(r.execution_id),
    repository: r.repository,
    destination: r.destination,
    tag: r.tag,
    digest: r.digest,
    status: r.status as ArtifactStatus,
    bytes: Number(r.bytes),
    attempts: Number(r.attempts),
    error: r.error,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
  };
}

/** Executions and their per-artifact results; artifact jobs are inserted in the same transaction. */
export class SqlReplicationExecutionStore implements ReplicationExecutionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(e: {
    policyId: number;
    trigger: ExecutionTrigger;
    dryRun: boolean;
    jobId?: number;
  }): Promise<ExecutionRecord> {
    const row = await this.db
      .insertInto('replication_executions')
      .values({
        policy_id: e.policyId,
        trigger: e.trigger,
        dry_run: e.dryRun ? 1 : 0,
        status: 'queued',
        error: null,
        job_id: e.jobId ?? null,
        created_at: Date.now(),
        started_at: null,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExecution(row, emptyCounts());
  }

  async forJob(
    jobId: number,
    e: { policyId: number; trigger: ExecutionTrigger; dryRun: boolean },
  ): Promise<ExecutionRecord> {
    const existing = await this.db
      .selectFrom('replication_executions')
      .select('id')
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    if (existing) return (await this.get(Number(existing.id))) as ExecutionRecord;
    return this.create({ ...e, jobId });
  }

  async setJob(id: number, jobId: number): Promise<void> {
    await this.db.updateTable('replication_executions').set({ job_id: jobId }).where('id', '=', id).execute();
  }

  async get(id: number): Promise<ExecutionRecord | undefined> {
    const row = await this.db
      .selectFrom('replication_executions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return toExecution(row, (await this.countsOf([id])).get(id) ?? emptyCounts());
  }

  async list(q: { policyId?: number; before?: number; limit: number }): Promise<ExecutionRecord[]> {
    let query = this.db.selectFrom('replication_executions').selectAll();
    if (q.policyId !== undefined) query = query.where('policy_id', '=', q.policyId);
    if (q.before !== undefined) query = query.where('id', '<', q.before);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    const counts = await this.countsOf(rows.map((r) => Number(r.id)));
    return rows.map((r) => toExecution(r, counts.get(Number(r.id)) ?? emptyCounts()));
  }

  async update(
    id: number,
    patch: { status?: ExecutionStatus; error?: string | null; startedAt?: Date; finishedAt?: Date },
  ): Promise<void> {
    const set = {
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.error !== undefined ? { error: patch.error?.slice(0, 4000) ?? null } : {}),
      ...(patch.startedAt !== undefined ? { started_at: patch.startedAt.getTime() } : {}),
      ...(patch.finishedAt !== undefined ? { finished_at: patch.finishedAt.getTime() } : {}),
    };
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('replication_executions').set(set).where('id', '=', id).execute();
  }

  async addArtifacts(
    executionId: number,
    artifacts: readonly NewArtifact[],
    jobFor: (artifactId: number) => NewJob,
  ): Promise<ArtifactRecord[]> {
    if (artifacts.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      const out: ArtifactRecord[] = [];
      const now = Date.now();
      for (const a of artifacts) {
        const row = await tx
          .insertInto('replication_artifacts')
          .values({
            execution_id: executionId,
            repository: a.repository,
            destination: a.destination,
            tag: a.tag,
            digest: a.digest,
            status: 'pending',
            bytes: 0,
            attempts: 0,
            error: null,
            detail: null,
            started_at: null,
            finished_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const record = toArtifact(row);
        await insertJobs(tx, [jobFor(record.id)], now);
        out.push(record);
      }
      return out;
    });
  }

  async artifacts(executionId: number): Promise<ArtifactRecord[]> {
    const rows = await this.db
      .selectFrom('replication_artifacts')
      .selectAll()
      .where('execution_id', '=', executionId)
      .orderBy('id')
      .execute();
    return rows.map(toArtifact);
  }

  async getArtifact(id: number): Promise<ArtifactRecord | undefined> {
    const row = await this.db
      .selectFrom('replication_artifacts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toArtifact(row) : undefined;
  }

  async updateArtifact(id: number, p: ArtifactPatch): Promise<void> {
    const set = {
      ...(p.status !== undefined ? { status: p.status } : {}),
      ...(p.digest !== undefined ? { digest: p.digest } : {}),
      ...(p.bytes !== undefined ? { bytes: p.bytes } : {}),
      ...(p.attempts !== undefined ? { attempts: p.attempts } : {}),
      ...(p.error !== undefined ? { error: p.error?.slice(0, 4000) ?? null } : {}),
      ...(p.detail !== undefined ? { detail: p.detail === null ? null : JSON.stringify(p.detail) } : {}),
      ...(p.startedAt !== undefined ? { started_at: p.startedAt.getTime() } : {}),
      ...(p.finishedAt !== undefined ? { finished_at: p.finishedAt?.getTime() ?? null } : {}),
    };
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('replication_artifacts').set(set).where('id', '=', id).execute();
  }

  async finishIfDone(id: number): Promise<void> {
    const open = this.db
      .selectFrom('replication_artifacts')
      .select('id')
      .where('execution_id', '=', id)
      .where('status', 'in', [...PENDING]);
    const failed = sql<string>`case when exists (select 1 from replication_artifacts
      where execution_id = ${id} and status = 'failed') then 'failed' else 'succeeded' end`;
    await this.db
      .updateTable('replication_executions')
      .set({ status: failed, finished_at: Date.now() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where((eb) => eb.not(eb.exists(open)))
      .execute();
  }

  private async countsOf(ids: number[]): Promise<Map<number, ExecutionCounts>> {
    const out = new Map<number, ExecutionCounts>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('replication_artifacts')
      .select(['execution_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('execution_id', 'in', ids)
      .groupBy(['execution_id', 'status'])
      .execute();
    for (const r of rows) {
      const id = Number(r.execution_id);
      const c = out.get(id) ?? emptyCounts();
      addCount(c, r.status, Number(r.n));
      out.set(id, c);
    }
    return out;
  }
}
