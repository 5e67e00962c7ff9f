import type { Kysely, Selectable } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type {
  RetentionAction,
  RetentionItem,
  RetentionOutcome,
  RetentionPolicy,
  RetentionPolicyInput,
  RetentionRule,
  RetentionRun,
  RetentionRunDetail,
  RetentionRunResult,
  RetentionStatus,
  RetentionStore,
  RetentionTrigger,
} from '../../ports/retention-store.js';
import type { Database } from './schema.js';
import type { RetentionPoliciesTable, RetentionRunsTable } from './schema-retention.js';

/** Item rows per insert: 10 columns each, far below SQLite's bind-parameter limit. */
const CHUNK = 200;

function toPolicy(project: string, r: Selectable<RetentionPoliciesTable>): RetentionPolicy {
  return {
    project,
    rules: JSON.parse(r.rules) as RetentionRule[],
    schedule: r.schedule,
    enabled: Number(r.enabled) === 1,
    updatedAt: new Date(Number(r.updated_at)),
  };
}

function toRun(project: string, r: Selectable<RetentionRunsTable>): RetentionRun {
  return {
    id: Number(r.id),
    project,
    trigger: r.trigger as RetentionTrigger,
    dryRun: Number(r.dry_run) === 1,
    status: r.status as RetentionStatus,
    startedAt: new Date(Number(r.started_at)),
    finishedAt: r.finished_at === null ? null : new Date(Number(r.finished_at)),
    tagsRemoved: Number(r.tags_removed),
    manifestsDeleted: Number(r.manifests_deleted),
    retained: Number(r.retained),
    failed: Number(r.failed),
    error: r.error,
  };
}

/** Retention policies and runs, keyed by project id so they go with their project (cascade). */
/** Why a run whose heartbeat stopped is failed. */
const INTERRUPTED = 'interrupted: the server running it stopped before it finished';

export class SqlRetentionStore implements RetentionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(project: string): Promise<RetentionPolicy | undefined> {
    const row = await this.db
      .selectFrom('retention_policies')
      .innerJoin('projects', 'projects.id', 'retention_policies.project_id')
      .selectAll('retention_policies')
      .where('projects.name', '=', project)
      .executeTakeFirst();
    return row && toPolicy(project, row);
  }

  async scheduled(): Promise<RetentionPolicy[]> {
    const rows = await this.db
      .selectFrom('retention_policies')
      .innerJoin('projects', 'projects.id', 'retention_policies.project_id')
      .selectAll('retention_policies')
      .select('projects.name as project')
      .where('retention_policies.schedule', 'is not', null)
      .orderBy('projects.name')
      .execute();
    return rows.map((r) => toPolicy(r.project, r));
  }

  async put(project: string, policy: RetentionPolicyInput): Promise<RetentionPolicy | undefined> {
    const id = await this.projectId(project);
    if (id === undefined) return undefined;
    const values = {
      rules: JSON.stringify(policy.rules),
      schedule: policy.schedule,
      enabled: policy.enabled ? 1 : 0,
      updated_at: Date.now(),
    };
    const row = await this.db
      .insertInto('retention_policies')
      .values({ project_id: id, ...values })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toPolicy(project, row);
  }

  async delete(project: string): Promise<boolean> {
    const id = await this.projectId(project);
    if (id === undefined) return false;
    const r = await this.db.deleteFrom('retention_policies').where('project_id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async startRun(
    project: string,
    run: { trigger: RetentionTrigger; dryRun: boolean; startedAt: Date },
  ): Promise<number | undefined> {
    const id = await this.projectId(project);
    if (id === undefined) return undefined;
    const row = await this.db
      .insertInto('retention_runs')
      .values({
        project_id: id,
        trigger: run.trigger,
        dry_run: run.dryRun ? 1 : 0,
        status: 'running',
        started_at: run.startedAt.getTime(),
        finished_at: null,
        heartbeat_at: run.startedAt.getTime(),
        tags_removed: 0,
        manifests_deleted: 0,
        retained: 0,
        failed: 0,
        error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async beat(id: number, at: Date): Promise<void> {
    await this.db
      .updateTable('retention_runs')
      .set({ heartbeat_at: at.getTime() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
  }

  async abandon(before: Date, at: Date): Promise<number> {
    const r = await this.db
      .updateTable('retention_runs')
      .set({ status: 'failed', finished_at: at.getTime(), error: INTERRUPTED })
      .where('status', '=', 'running')
      .where('heartbeat_at', '<', before.getTime())
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async finishRun(id: number, result: RetentionRunResult, items: readonly RetentionItem[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < items.length; i += CHUNK) {
        const rows = items.slice(i, i + CHUNK).map((it, j) => ({
          run_id: id,
          seq: i + j,
          repository: it.repository,
          digest: it.digest,
          action: it.action,
          tags: JSON.stringify(it.tags),
          reason: it.reason,
          rule: it.rule,
          outcome: it.outcome,
          error: it.error,
        }));
        await trx.insertInto('retention_run_items').values(rows).execute();
      }
      await trx
        .updateTable('retention_runs')
        .set({
          status: result.status,
          finished_at: result.finishedAt?.getTime() ?? Date.now(),
          tags_removed: result.tagsRemoved,
          manifests_deleted: result.manifestsDeleted,
          retained: result.retained,
          failed: result.failed,
          error: result.error,
        })
        .where('id', '=', id)
        .execute();
    });
  }

  async runs(project: string, page: { before?: number; limit: number }): Promise<RetentionRun[]> {
    const rows = await this.db
      .selectFrom('retention_runs')
      .innerJoin('projects', 'projects.id', 'retention_runs.project_id')
      .selectAll('retention_runs')
      .where('projects.name', '=', project)
      .$if(page.before !== undefined, (q) => q.where('retention_runs.id', '<', page.before ?? 0))
      .orderBy('retention_runs.id', 'desc')
      .limit(page.limit)
      .execute();
    return rows.map((r) => toRun(project, r));
  }

  async run(project: string, id: number): Promise<RetentionRunDetail | undefined> {
    const row = await this.db
      .selectFrom('retention_runs')
      .innerJoin('projects', 'projects.id', 'retention_runs.project_id')
      .selectAll('retention_runs')
      .where('projects.name', '=', project)
      .where('retention_runs.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const items = await this.db
      .selectFrom('retention_run_items')
      .selectAll()
      .where('run_id', '=', id)
      .orderBy('seq')
      .execute();
    return {
      ...toRun(project, row),
      items: items.map((i) => ({
        repository: i.repository,
        digest: i.digest as Digest,
        action: i.action as RetentionAction,
        tags: JSON.parse(i.tags) as string[],
        reason: i.reason,
        rule: i.rule === null ? null : Number(i.rule),
        outcome: i.outcome as RetentionOutcome,
        error: i.error,
      })),
    };
  }

  async indexEdges(repository: string): Promise<{ parent: Digest; child: Digest }[]> {
    const rows = await this.db
      .selectFrom('manifest_refs')
      .innerJoin('repositories', 'repositories.id', 'manifest_refs.repo_id')
      .select(['manifest_refs.manifest_digest as parent', 'manifest_refs.child_digest as child'])
      .where('repositories.name', '=', repository)
      .where('manifest_refs.kind', '=', 'manifest')
      .execute();
    return rows;
  }

  private async projectId(project: string): Promise<number | undefined> {
    const p = await this.db
      .selectFrom('projects')
      .select('id')
      .where('name', '=', project)
      .executeTakeFirst();
    return p === undefined ? undefined : Number(p.id);
  }
}
