import { describe, expect, it } from 'vitest';
import type { Digest } from '../../oci/digest.js';
import type { ArtifactTimes } from '../../ports/lifecycle-store.js';
import type { RetentionRule } from '../../ports/retention-store.js';
import { planRepository, type RepositoryState } from './retention-plan.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');
const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}` as Digest;
const at = (daysAgo: number) => new Date(NOW.getTime() - daysAgo * DAY);

function art(n: number, tags: string[], o: { pushed?: number; pulled?: number; subject?: Digest } = {}) {
  const pushedAt = at(o.pushed ?? n);
  const a: ArtifactTimes = {
    digest: d(n),
    subject: o.subject ?? null,
    createdAt: pushedAt,
    pushedAt,
    pulledAt: o.pulled === undefined ? null : at(o.pulled),
    tags: tags.map((name) => ({ name, pushedAt, pulledAt: null })),
  };
  return a;
}

const all = { decoration: 'matching', pattern: '**' } as const;
const rule = (r: Partial<RetentionRule> & Pick<RetentionRule, 'kind'>): RetentionRule => ({
  repositories: all,
  tags: all,
  untagged: false,
  ...r,
});

async function plan(
  artifacts: ArtifactTimes[],
  rules: RetentionRule[],
  o: Partial<RepositoryState> & { immutable?: (tag: string) => string | undefined } = {},
) {
  const state: RepositoryState = {
    repository: 'team/app',
    path: 'app',
    artifacts,
    edges: o.edges ?? [],
    labels: o.labels ?? new Map(),
  };
  const items = await planRepository(state, {
    rules,
    now: NOW,
    immutable: async (_repo, tag) => o.immutable?.(tag),
  });
  return items.map((i) => `${i.action} ${Number.parseInt(i.digest.slice(7), 16)} ${i.tags.join(',')}`);
}

describe('planRepository', () => {
  it('keeps the N latest pushed in scope; others lose their scoped tags, or go when none is left', async () => {
    const arts = [art(1, ['v1']), art(2, ['v2', 'keep-me']), art(3, ['v3']), art(4, [])];
    expect(
      await plan(arts, [
        rule({ kind: 'latestPushed', n: 1, tags: { decoration: 'matching', pattern: 'v*' } }),
      ]),
    ).toEqual(['retain 1 v1', 'untag 2 v2', 'delete 3 v3']);
  });

  it('orders never-pulled artifacts last for latestPulled, ties by digest', async () => {
    const arts = [art(1, ['a'], { pulled: 5 }), art(2, ['b']), art(3, ['c'], { pulled: 1 }), art(4, ['d'])];
    expect(await plan(arts, [rule({ kind: 'latestPulled', n: 3 })])).toEqual([
      'retain 1 a',
      'retain 2 b',
      'retain 3 c',
      'delete 4 d',
    ]);
  });

  it('within days, untagged only when asked, OR-ed rules', async () => {
    const arts = [
      art(1, ['x'], { pushed: 20 }),
      art(2, [], { pushed: 20 }),
      art(3, [], { pushed: 2 }),
      art(4, ['y'], { pulled: 1, pushed: 30 }),
    ];
    const rules = [
      rule({ kind: 'pushedWithinDays', days: 14, untagged: true }),
      rule({ kind: 'pulledWithinDays', days: 7 }),
    ];
    expect(await plan(arts, rules)).toEqual(['delete 1 x', 'delete 2 ', 'retain 3 ', 'retain 4 y']);
    expect(await plan(arts, [rule({ kind: 'pushedWithinDays', days: 14 })])).toEqual([
      'delete 1 x',
      'delete 4 y',
    ]);
  });

  it('reports immutable artifacts as retained, and filters by label', async () => {
    const arts = [art(1, ['v1']), art(2, ['v2'])];
    const labels = new Map([[d(2), { env: 'prod' }]]);
    const r = [
      rule({ kind: 'always', label: { key: 'env', value: 'prod' } }),
      rule({ kind: 'latestPushed', n: 0 }),
    ];
    expect(await plan(arts, r, { labels, immutable: (t) => (t === 'v1' ? 'rule 9' : undefined) })).toEqual([
      'retain 1 v1',
      'retain 2 v2',
    ]);
  });

  it('deletes attachments and untagged index children with their subject, and never alone', async () => {
    const sig = `sha256-${d(1).slice(7)}.sig`;
    const arts = [
      art(1, ['v1']),
      art(2, [], { subject: d(1) }),
      art(3, [sig]),
      art(4, ['idx']),
      art(5, []),
      art(6, ['v6']),
    ];
    const edges = [{ parent: d(4), child: d(5) }];
    const r = [rule({ kind: 'latestPushed', n: 0, untagged: true })];
    expect(await plan(arts, r, { edges })).toEqual([
      'delete 1 v1',
      'delete 4 idx',
      'delete 6 v6',
      `delete 2 `,
      `delete 3 ${sig}`,
      'delete 5 ',
    ]);
    const keepIndex = [rule({ kind: 'always', tags: { decoration: 'matching', pattern: 'idx' } }), ...r];
    expect(await plan(arts, keepIndex, { edges })).toEqual([
      'delete 1 v1',
      'retain 4 idx',
      'delete 6 v6',
      'delete 2 ',
      `delete 3 ${sig}`,
    ]);
  });

  it('judges latestPushed by the push through a tag the rule selects: re-tagging an old image does not renew it', async () => {
    const old = art(1, ['v1', 'latest'], { pushed: 30 });
    // `latest` was pushed onto it today: the manifest's last push is now, its v1 push 30 days ago.
    old.pushedAt = NOW;
    old.tags = [
      { name: 'latest', pushedAt: NOW, pulledAt: null },
      { name: 'v1', pushedAt: at(30), pulledAt: null },
    ];
    const arts = [old, art(2, ['v2'], { pushed: 10 })];
    expect(
      await plan(arts, [
        rule({ kind: 'latestPushed', n: 1, tags: { decoration: 'matching', pattern: 'v*' } }),
      ]),
    ).toEqual(['untag 1 v1', 'retain 2 v2']);
  });
});
