import type { NewJob } from '../../ports/event-store.js';
import type { ReplicationPolicyRecord, ReplicationPolicyStore } from '../../ports/replication-store.js';
import type { EventTrigger } from '../events/sink.js';
import type { WharfEvent } from '../events/types.js';
import { repositoryInScope } from './candidates.js';
import { isAttachmentTag, tagMatches } from './filters.js';
import { EXECUTE_JOB, type ExecuteJob } from './types.js';

export interface PushTriggerOptions {
  store: ReplicationPolicyStore;
  /** Attempts of the execute job. */
  maxAttempts: number;
  /** How long the policy list is reused (events are hot). Default 5000. */
  cacheTtlMs?: number;
}

function wants(p: ReplicationPolicyRecord, event: WharfEvent): boolean {
  if (!p.enabled || p.trigger.kind !== 'onPush' || p.mode !== 'push') return false;
  if (event.outcome !== 'success' || event.repository === null) return false;
  if (event.type === 'DELETE_ARTIFACT') {
    const kind = event.detail?.kind;
    return (
      p.deleteReplication && (kind === 'manifest' || kind === 'tag') && repositoryInScope(p, event.repository)
    );
  }
  if (event.type !== 'PUSH_ARTIFACT' || !repositoryInScope(p, event.repository)) return false;
  // Attachments (and pushes by digest, which may be referrers) are matched to their subject's tags in the job.
  return event.tag === null || isAttachmentTag(event.tag) || tagMatches(p.filters, event.tag);
}

/**
 * The onPush trigger: each push (or, with deleteReplication, deletion) a policy selects becomes one
 * `replication.execute` job, written in the event's own transaction — never lost, retried with
 * backoff when it fails. Filters that need a lookup (attachments' subjects, labels, artifact type)
 * are checked by the job.
 */
export class PushTrigger implements EventTrigger {
  private cached: { at: number; policies: ReplicationPolicyRecord[] } | undefined;

  constructor(private readonly o: PushTriggerOptions) {}

  /** Drops the cached policy list (after a local change). */
  forget(): void {
    this.cached = undefined;
  }

  async jobsFor(event: WharfEvent): Promise<NewJob[]> {
    if (event.type !== 'PUSH_ARTIFACT' && event.type !== 'DELETE_ARTIFACT') return [];
    const policies = (await this.policies()).filter((p) => wants(p, event));
    return policies.map((p) => ({
      kind: EXECUTE_JOB,
      payload: {
        policyId: p.id,
        trigger: 'onPush',
        event: {
          type: event.type as 'PUSH_ARTIFACT' | 'DELETE_ARTIFACT',
          repository: event.repository as string,
          tag: event.tag,
          digest: event.digest,
        },
      } satisfies ExecuteJob,
      uniqueKey: `replication:push:${p.id}:${event.id}`,
      maxAttempts: this.o.maxAttempts,
    }));
  }

  private async policies(): Promise<ReplicationPolicyRecord[]> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < (this.o.cacheTtlMs ?? 5000)) return this.cached.policies;
    const policies = (await this.o.store.list()).filter((p) => p.enabled && p.trigger.kind === 'onPush');
    this.cached = { at: now, policies };
    return policies;
  }
}
