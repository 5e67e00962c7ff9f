import { RegistryError } from '../../oci/errors.js';
import type {
  ArtifactRecord,
  ExecutionRecord,
  ReplicationPolicyRecord,
  ReplicationStore,
} from '../../ports/replication-store.js';
import type { JobQueue } from '../events/jobs.js';
import type { PolicyService } from './policies.js';
import {
  EXECUTE_JOB,
  type ExecuteJob,
  type PolicyInput,
  type PolicyPatch,
  type PolicyView,
  policyView,
} from './types.js';

export type ExecutionView = ExecutionRecord;
export type ExecutionDetail = ExecutionRecord & { artifacts: ArtifactRecord[] };

const notFound = (what: string, detail: unknown) =>
  new RegistryError('WHARF_ERR_NOT_FOUND', `${what} not found`, { detail });

/** What the management API asks of replication: policies, runs, execution history. */
export class ReplicationService {
  constructor(
    private readonly o: {
      store: ReplicationStore;
      policies: PolicyService;
      jobs: Pick<JobQueue, 'enqueue'>;
      /** Attempts of execute jobs. */
      maxAttempts: number;
    },
  ) {}

  async createPolicy(input: PolicyInput): Promise<PolicyView> {
    return policyView(await this.o.policies.create(input));
  }

  async listPolicies(): Promise<PolicyView[]> {
    return (await this.o.store.policies.list()).map(policyView);
  }

  async getPolicy(id: number): Promise<PolicyView> {
    return policyView(await this.record(id));
  }

  async updatePolicy(id: number, patch: PolicyPatch): Promise<PolicyView> {
    return policyView(await this.o.policies.update(await this.record(id), patch));
  }

  async deletePolicy(id: number): Promise<void> {
    if (!(await this.o.policies.delete(id))) throw notFound('replication policy', { id });
  }

  /** Runs a policy now (whatever its trigger; disabled ones too, on request): the execution, queued. */
  async run(id: number, opts: { dryRun?: boolean } = {}): Promise<ExecutionView> {
    const policy = await this.record(id);
    const dryRun = opts.dryRun ?? false;
    const execution = await this.o.store.executions.create({
      policyId: policy.id,
      trigger: 'manual',
      dryRun,
    });
    const payload: ExecuteJob = { policyId: policy.id, trigger: 'manual', dryRun, executionId: execution.id };
    const { id: jobId } = await this.o.jobs.enqueue(EXECUTE_JOB, payload, {
      uniqueKey: `replication:manual:${execution.id}`,
      maxAttempts: this.o.maxAttempts,
    });
    await this.o.store.executions.setJob(execution.id, jobId);
    return { ...execution, jobId };
  }

  /** Newest first; `before` is the last id of the previous page. */
  async executions(q: { policyId?: number; before?: number; limit?: number } = {}): Promise<ExecutionView[]> {
    if (q.policyId !== undefined) await this.record(q.policyId);
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    return this.o.store.executions.list({
      limit,
      ...(q.policyId !== undefined ? { policyId: q.policyId } : {}),
      ...(q.before !== undefined ? { before: q.before } : {}),
    });
  }

  /** One execution with its per-artifact results. */
  async execution(id: number): Promise<ExecutionDetail> {
    const execution = await this.o.store.executions.get(id);
    if (!execution) throw notFound('replication execution', { id });
    return { ...execution, artifacts: await this.o.store.executions.artifacts(id) };
  }

  private async record(id: number): Promise<ReplicationPolicyRecord> {
    const p = await this.o.store.policies.get(id);
    if (!p) throw notFound('replication policy', { id });
    return p;
  }
}
