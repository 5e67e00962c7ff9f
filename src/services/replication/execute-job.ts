import type {
  NewArtifact,
  ReplicationPolicyRecord,
  ReplicationStore,
} from '../../ports/replication-store.js';
import type { JobContext } from '../events/jobs.js';
import { destinationOf, type Selection, selectAll, selectPushed } from './candidates.js';
import { openSides, type SidesOptions } from './sides.js';
import { ARTIFACT_JOB, type ArtifactJob, type ArtifactLabels, type ExecuteJob } from './types.js';

export interface ExecuteRunnerOptions extends SidesOptions {
  store: ReplicationStore;
  labels: ArtifactLabels | undefined;
  /** Attempts per artifact job. */
  maxAttempts: number;
  /** The manifest a referrer pushed by digest refers to (null: none). */
  subjectOf(repository: string, digest: string): Promise<string | null>;
  /** The tags pointing at a manifest. */
  tagsOf(repository: string, digest: string): Promise<string[]>;
  /** Called after artifact jobs were queued (JobQueue.wake). */
  onJobs?: () => void;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What an onPush job's event names: the artifacts to copy, or the one deletion to replicate. */
async function pushedArtifacts(
  o: ExecuteRunnerOptions,
  policy: ReplicationPolicyRecord,
  event: NonNullable<ExecuteJob['event']>,
  selection: () => Promise<Selection>,
): Promise<NewArtifact[]> {
  if (event.type === 'DELETE_ARTIFACT') {
    const destination = destinationOf(policy, event.repository);
    return [{ repository: event.repository, destination, tag: event.tag, digest: event.digest }];
  }
  return selectPushed(await selection(), event, o.subjectOf, o.tagsOf);
}

/**
 * `replication.execute`: lists what the policy selects at the source (every artifact, or those a
 * push names) and queues one `replication.artifact` job per artifact, rows and jobs in one
 * transaction. An onPush push that selects nothing records no execution.
 */
export function executeRunner(o: ExecuteRunnerOptions) {
  const executions = o.store.executions;
  return async (payload: unknown, ctx: JobContext): Promise<unknown> => {
    const job = payload as ExecuteJob;
    const policy = await o.store.policies.get(job.policyId);
    if (!policy) {
      if (job.executionId !== undefined) {
        await executions.update(job.executionId, {
          status: 'failed',
          error: 'policy deleted',
          finishedAt: new Date(),
        });
      }
      return { policy: job.policyId, gone: true };
    }
    let sides: Awaited<ReturnType<typeof openSides>> | undefined;
    const selection = async (): Promise<Selection> => {
      sides ??= await openSides(o, policy);
      return { policy, source: sides.listing, labels: o.labels };
    };
    const spec = { policyId: policy.id, trigger: job.trigger, dryRun: job.dryRun ?? false };
    let pushed: NewArtifact[] | undefined;
    try {
      pushed = job.event ? await pushedArtifacts(o, policy, job.event, selection) : undefined;
    } catch (err) {
      // Out of attempts before an execution exists: record one, so the failure is visible.
      if (ctx.job.attempts >= ctx.job.maxAttempts) {
        const failed = await executions.forJob(ctx.job.id, spec);
        await executions.update(failed.id, { status: 'failed', error: message(err), finishedAt: new Date() });
      }
      await sides?.close();
      throw err;
    }
    try {
      if (pushed?.length === 0) return { policy: policy.id, matched: 0 };
      const execution =
        job.executionId !== undefined
          ? await executions.get(job.executionId)
          : await executions.forJob(ctx.job.id, spec);
      if (!execution || execution.status === 'succeeded' || execution.status === 'failed')
        return { done: true };
      if (execution.counts.total > 0) return { execution: execution.id, artifacts: execution.counts.total };
      await executions.update(execution.id, { status: 'running', startedAt: new Date(), error: null });
      try {
        const artifacts = pushed ?? (await selectAll(await selection()));
        const isDelete = job.event?.type === 'DELETE_ARTIFACT';
        await executions.addArtifacts(execution.id, artifacts, (artifactId) => ({
          kind: ARTIFACT_JOB,
          payload: { artifactId, ...(isDelete ? { delete: true } : {}) } satisfies ArtifactJob,
          uniqueKey: `replication:artifact:${artifactId}`,
          maxAttempts: o.maxAttempts,
        }));
        if (artifacts.length === 0) await executions.finishIfDone(execution.id);
        else o.onJobs?.();
        return { execution: execution.id, artifacts: artifacts.length };
      } catch (err) {
        const final = ctx.job.attempts >= ctx.job.maxAttempts;
        await executions.update(execution.id, {
          error: message(err),
          ...(final ? { status: 'failed', finishedAt: new Date() } : {}),
        });
        throw err;
      }
    } finally {
      await sides?.close();
    }
  };
}
