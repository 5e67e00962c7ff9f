import { describe, expect, it } from 'vitest';
import type { Digest } from '../../oci/digest.js';
import type { ArtifactTimes } from '../../ports/lifecycle-store.js';
import type {
  RetentionItem,
  RetentionPolicy,
  RetentionRunDetail,
  RetentionRunResult,
  RetentionStore,
} from '../../ports/retention-store.js';
import { RetentionService } from './retention.js';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}` as Digest;
const NOW = new Date('2026-06-01T00:00:00Z');

function art(n: number, tags: string[], subject: Digest | null = null): ArtifactTimes {
  const pushedAt = new Date(NOW.getTime() - n * 1000);
  return {
    digest: d(n),
    subject,
    createdAt: pushedAt,
    pushedAt,
    pulledAt: null,
    tags: tags.map((name) => ({ name, pushedAt, pulledAt: null })),
  };
}

/** A working in-memory store: enough of RetentionStore for runs. */
function memoryStore(policy: RetentionPolicy): RetentionStore {
  const runs = new Map<number, RetentionRunDetail>();
  return {
    get: async (project) => (project === policy.project ? policy : undefined),
    scheduled: async () => [policy],
    put: async () => policy,
    delete: async () => true,
    async startRun(project, r) {
      const id = runs.size + 1;
      runs.set(id, {
        id,
        project,
        ...r,
        status: 'running',
        finishedAt: null,
        tagsRemoved: 0,
        manifestsDeleted: 0,
        retained: 0,
        failed: 0,
        error: null,
        items: [],
      });
      return id;
    },
    beat: async () => undefined,
    abandon: async () => 0,
    async finishRun(id: number, result: RetentionRunResult, items: readonly RetentionItem[]) {
      const run = runs.get(id);
      if (run) runs.set(id, { ...run, ...result, items: [...items] });
    },
    runs: async () => [...runs.values()].reverse(),
    run: async (_project, id) => runs.get(id),
    indexEdges: async () => [],
  };
}

/** A service over `artifacts` of `p/app` with one latestPushed rule keeping 1; deletes go to `del`. */
function serviceOver(
  artifacts: ArtifactTimes[],
  rule: { tags: string; untagged: boolean },
  del: (ref: string, o?: { expectTags?: readonly string[] }) => Promise<void>,
): RetentionService {
  return new RetentionService({
    store: memoryStore({
      project: 'p',
      rules: [
        {
          kind: 'latestPushed',
          n: 1,
          repositories: { decoration: 'matching', pattern: '**' },
          tags: { decoration: 'matching', pattern: rule.tags },
          untagged: rule.untagged,
        },
      ],
      schedule: null,
      enabled: true,
      updatedAt: NOW,
    }),
    activity: { artifacts: async () => artifacts },
    labels: { find: async () => [] },
    repositories: async (_p, page) => (page.last === undefined ? ['p/app'] : []),
    deleteReference: (_repo, ref, o) => del(ref, o),
    immutable: async () => undefined,
    now: () => NOW,
  });
}

describe('RetentionService', () => {
  it('records a refused delete as failed with its message, skips what follows it, and goes on', async () => {
    const artifacts = [art(1, ['v1']), art(2, ['v2']), art(3, []), art(4, [], d(2)), art(5, ['v5'])];
    const deleted: string[] = [];
    const service = serviceOver(artifacts, { tags: '**', untagged: true }, async (ref) => {
      if (ref === d(2)) throw new Error('tag v2 of p/app is immutable');
      deleted.push(ref);
    });
    const run = await service.run('p', { dryRun: false, trigger: 'manual' });
    expect(run.items.map((i) => [i.digest, i.action, i.outcome, i.error])).toEqual([
      [d(1), 'retain', 'kept', null],
      [d(2), 'delete', 'failed', 'tag v2 of p/app is immutable'],
      [d(3), 'delete', 'done', null],
      [d(5), 'delete', 'done', null],
      [d(4), 'delete', 'skipped', `${d(2)} was not deleted`],
    ]);
    expect(deleted).toEqual([d(3), d(5)]);
    expect(run).toMatchObject({
      status: 'partial',
      tagsRemoved: 1,
      manifestsDeleted: 2,
      retained: 1,
      failed: 2,
    });
  });

  it('deletes a manifest by digest with the tags it planned for, and records the registry refusing', async () => {
    const asked: unknown[] = [];
    const service = serviceOver(
      [art(1, ['v1']), art(2, ['v2'])],
      { tags: 'v*', untagged: false },
      async (ref, o) => {
        asked.push([ref, o]);
        throw new Error(`the tags of ${ref} changed (now: prod, v2)`);
      },
    );
    const run = await service.run('p', { dryRun: false, trigger: 'manual' });
    expect(asked).toEqual([[d(2), { expectTags: ['v2'], unused: true }]]);
    expect(run.items[1]).toMatchObject({
      digest: d(2),
      outcome: 'failed',
      error: `the tags of ${d(2)} changed (now: prod, v2)`,
    });
    expect(run.status).toBe('failed');
  });
});
