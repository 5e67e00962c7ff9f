import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import type { ActivityStore, LabelStore } from '../../ports/lifecycle-store.js';
import type {
  RetentionItem,
  RetentionPolicy,
  RetentionRule,
  RetentionRunDetail,
  RetentionRunResult,
  RetentionStore,
  RetentionTrigger,
} from '../../ports/retention-store.js';
import { type PlannedItem, planRepository, type RepositoryState } from './retention-plan.js';
import { nameInProject, selects } from './rules.js';

const PAGE = 500;

export interface RetentionServiceOptions {
  store: RetentionStore;
  activity: Pick<ActivityStore, 'artifacts'>;
  labels: Pick<LabelStore, 'find'>;
  /** The project's repositories holding a manifest, in name order after `last`. */
  repositories: (project: string, page: { last?: string; n: number }) => Promise<string[]>;
  /**
   * Deletes through the registry (admission hooks and events apply) a tag, or a manifest by digest
   * with exactly `expectTags` on it and, `unused`, listed by no index (else it refuses, deleting nothing).
   */
  deleteReference: (
    repository: string,
    reference: string,
    o?: { expectTags?: readonly string[]; unused?: boolean },
  ) => Promise<unknown>;
  /** Why a tag may not be removed (e.g. `immutability rule 3 …`), or undefined. */
  immutable: (repository: string, tag: string) => Promise<string | undefined>;
  /** Told once per repository a real run changed. */
  onChanged?: (change: {
    project: string;
    repository: string;
    run: number;
    untagged: number;
    deleted: number;
  }) => unknown;
  now?: () => Date;
  /** How often a running run records that it is alive. Default 30 s; 4 missed beats: interrupted. */
  heartbeatMs?: number;
}

/** A run that cannot start: the project does not exist (404, as the API says it). */
const projectMissing = (project: string) =>
  new RegistryError('WHARF_ERR_NOT_FOUND', 'project not found', { detail: { project } });

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Retention runs: one planner makes the plan (what every repository of the project the policy
 * selects keeps, untags and deletes); a dry run records it, a real run executes that same plan
 * through the registry and records each item's outcome. Runs of one project never overlap in a
 * process (a second waits for the first).
 */
export class RetentionService {
  /** The clock rules with days read (tests set it to judge "within N days" without waiting). */
  now: () => Date;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly o: RetentionServiceOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** Plans (and unless `dryRun`, executes) the project's policy now; the recorded run with its items. */
  run(project: string, opts: { dryRun: boolean; trigger: RetentionTrigger }): Promise<RetentionRunDetail> {
    return this.serially(project, () => this.runNow(project, opts));
  }

  /** The plan the project's policy gives now (what a dry run records). */
  async plan(policy: Pick<RetentionPolicy, 'project' | 'rules'>): Promise<PlannedItem[]> {
    const items: PlannedItem[] = [];
    const ctx = { rules: policy.rules, now: this.now(), immutable: this.o.immutable };
    for (const repository of await this.repositoriesOf(policy.project)) {
      const path = nameInProject(policy.project, repository);
      if (!policy.rules.some((r) => selects(r.repositories, path))) continue;
      const state = await this.stateOf(repository, path, policy.rules);
      if (state) items.push(...(await planRepository(state, ctx)));
    }
    return items;
  }

  /**
   * Fails the runs whose process stopped beating (a crash, a kill) so the history does not show them
   * running for ever; on any replica, at start and before each run. How many.
   */
  abandonStale(): Promise<number> {
    const now = Date.now();
    return this.o.store.abandon(new Date(now - 4 * this.heartbeatMs), new Date(now));
  }

  private get heartbeatMs(): number {
    return this.o.heartbeatMs ?? 30_000;
  }

  private async runNow(
    project: string,
    opts: { dryRun: boolean; trigger: RetentionTrigger },
  ): Promise<RetentionRunDetail> {
    await this.abandonStale();
    const startedAt = new Date();
    const id = await this.o.store.startRun(project, {
      trigger: opts.trigger,
      dryRun: opts.dryRun,
      startedAt,
    });
    if (id === undefined) throw projectMissing(project);
    const heartbeat = setInterval(() => {
      this.o.store.beat(id, new Date()).catch(() => undefined); // a missed beat is retried by the next
    }, this.heartbeatMs);
    heartbeat.unref();
    let items: RetentionItem[] = [];
    let error: string | null = null;
    try {
      const policy = await this.o.store.get(project);
      const planned = policy ? await this.plan(policy) : [];
      items = opts.dryRun ? planned.map(asPlanned) : await this.execute(project, id, planned);
    } catch (err) {
      error = message(err);
    } finally {
      clearInterval(heartbeat);
    }
    const result = summarize(items, error);
    await this.o.store.finishRun(id, result, items);
    const run = await this.o.store.run(project, id);
    if (!run) throw projectMissing(project);
    return run;
  }

  /** Executes a plan in order; a refused or failed item is recorded and the run goes on. */
  private async execute(project: string, runId: number, plan: PlannedItem[]): Promise<RetentionItem[]> {
    const failedSubjects = new Set<Digest>();
    const out: RetentionItem[] = [];
    for (const p of plan) {
      const { follows, ...item } = p;
      if (item.action === 'retain') {
        out.push({ ...item, outcome: 'kept', error: null });
        continue;
      }
      if (follows !== undefined && failedSubjects.has(follows)) {
        failedSubjects.add(item.digest);
        out.push({ ...item, outcome: 'skipped', error: `${follows} was not deleted` });
        continue;
      }
      try {
        await this.apply(item);
        out.push({ ...item, outcome: 'done', error: null });
      } catch (err) {
        if (item.action === 'delete') failedSubjects.add(item.digest);
        out.push({ ...item, outcome: 'failed', error: message(err) });
      }
    }
    this.report(project, runId, out);
    return out;
  }

  private async apply(item: Omit<RetentionItem, 'outcome' | 'error'>): Promise<void> {
    if (item.action === 'untag') {
      for (const tag of item.tags) await this.o.deleteReference(item.repository, tag);
      return;
    }
    // Deleting by digest takes every tag along: the registry checks, in the delete itself, that
    // exactly the planned tags are on it and no index lists it (else 409, nothing deleted).
    await this.o.deleteReference(item.repository, item.digest, { expectTags: item.tags, unused: true });
  }

  private report(project: string, run: number, items: RetentionItem[]): void {
    const byRepo = new Map<string, { untagged: number; deleted: number }>();
    for (const i of items) {
      if (i.outcome !== 'done') continue;
      const c = byRepo.get(i.repository) ?? { untagged: 0, deleted: 0 };
      if (i.action === 'untag') c.untagged++;
      else c.deleted++;
      byRepo.set(i.repository, c);
    }
    for (const [repository, c] of byRepo) this.o.onChanged?.({ project, repository, run, ...c });
  }

  private async repositoriesOf(project: string): Promise<string[]> {
    const out: string[] = [];
    for (let last: string | undefined; ; ) {
      const page = await this.o.repositories(project, { n: PAGE, ...(last !== undefined ? { last } : {}) });
      out.push(...page);
      if (page.length < PAGE) return out;
      last = page.at(-1);
    }
  }

  private async stateOf(
    repository: string,
    path: string,
    rules: readonly RetentionRule[],
  ): Promise<RepositoryState | undefined> {
    const artifacts = await this.o.activity.artifacts(repository);
    if (!artifacts) return undefined;
    const edges = await this.o.store.indexEdges(repository);
    const labels = new Map<Digest, Record<string, string>>();
    const keys = new Set(rules.flatMap((r) => (r.label ? [r.label.key] : [])));
    for (const key of keys) {
      for (let after: { repository: string; digest: Digest } | undefined; ; ) {
        const page = await this.o.labels.find({ key, repository, n: PAGE, ...(after ? { after } : {}) });
        for (const l of page) labels.set(l.digest, { ...labels.get(l.digest), [key]: l.value });
        if (page.length < PAGE) break;
        const last = page.at(-1);
        after = last && { repository: last.repository, digest: last.digest };
      }
    }
    return { repository, path, artifacts, edges, labels };
  }

  private serially<T>(project: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(project) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.queues.set(project, settled);
    void settled.then(() => {
      if (this.queues.get(project) === settled) this.queues.delete(project);
    });
    return run;
  }

  /** Waits for runs in progress (shutdown). */
  async close(): Promise<void> {
    await Promise.all(this.queues.values());
  }
}

function asPlanned(p: PlannedItem): RetentionItem {
  const { follows: _follows, ...item } = p;
  return { ...item, outcome: item.action === 'retain' ? 'kept' : 'planned', error: null };
}

/** The run's counts and status from its items. */
function summarize(items: readonly RetentionItem[], error: string | null): RetentionRunResult {
  let tagsRemoved = 0;
  let manifestsDeleted = 0;
  let retained = 0;
  let failed = 0;
  let done = 0;
  for (const i of items) {
    if (i.outcome === 'kept') retained++;
    else if (i.outcome === 'failed' || i.outcome === 'skipped') failed++;
    else {
      done++;
      tagsRemoved += i.tags.length;
      if (i.action === 'delete') manifestsDeleted++;
    }
  }
  const status = error !== null ? 'failed' : failed === 0 ? 'succeeded' : done > 0 ? 'partial' : 'failed';
  return { status, finishedAt: new Date(), tagsRemoved, manifestsDeleted, retained, failed, error };
}
