import type { Digest } from '../../oci/digest.js';
import type { ArtifactTimes } from '../../ports/lifecycle-store.js';
import type { RetentionItem, RetentionRule } from '../../ports/retention-store.js';
import { isCosignTag } from '../supplychain/artifacts.js';
import { describeRetentionRule } from './retention-rules.js';
import { selects } from './rules.js';

const DAY_MS = 86_400_000;

/** A plan's item: what a run does, before it is done (no outcome yet). */
export type PlannedItem = Omit<RetentionItem, 'outcome' | 'error'> & {
  /** For an attachment or index child: the manifest whose delete it follows. */
  follows?: Digest;
};

/** What the planner knows of one repository. */
export interface RepositoryState {
  repository: string;
  /** Its name as rules see it: without `<project>/` ('' for the project's own). */
  path: string;
  artifacts: readonly ArtifactTimes[];
  /** Index → child manifest edges in the repository. */
  edges: readonly { parent: Digest; child: Digest }[];
  /** Labels of the repository's manifests (only needed when a rule filters by label). */
  labels: ReadonlyMap<Digest, Readonly<Record<string, string>>>;
}

export interface PlanContext {
  rules: readonly RetentionRule[];
  now: Date;
  /** Why a tag of the repository may not be removed (immutability), or undefined. */
  immutable: (repository: string, tag: string) => Promise<string | undefined>;
}

/** `sha256-<hex>.sig` → `sha256:<hex>`: the manifest a cosign tag attaches to. */
function cosignSubject(tag: string): Digest {
  const base = tag.slice(0, tag.lastIndexOf('.'));
  const dash = base.indexOf('-');
  return `${base.slice(0, dash)}:${base.slice(dash + 1)}` as Digest;
}

const byDigest = (a: ArtifactTimes, b: ArtifactTimes) =>
  a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
const time = (d: Date | null) => (d === null ? -1 : d.getTime());

/** An artifact in a rule's scope, with its push time as the rule sees it. */
interface Scoped {
  a: ArtifactTimes;
  /** The last push through a tag the rule selects; the manifest's last push when untagged. */
  pushed: number;
}

const byArtifact = (x: Scoped, y: Scoped) => byDigest(x.a, y.a);

/** The artifacts of `scope` the rule keeps (by its kind). */
function keptBy(rule: RetentionRule, scope: Scoped[], now: Date): Scoped[] {
  const cutoff = now.getTime() - (rule.days ?? 0) * DAY_MS;
  switch (rule.kind) {
    case 'always':
      return scope;
    case 'latestPushed':
      return [...scope].sort((x, y) => y.pushed - x.pushed || byArtifact(x, y)).slice(0, rule.n ?? 0);
    case 'latestPulled':
      return [...scope]
        .sort((x, y) => time(y.a.pulledAt) - time(x.a.pulledAt) || byArtifact(x, y))
        .slice(0, rule.n ?? 0);
    case 'pushedWithinDays':
      return scope.filter((x) => x.pushed >= cutoff);
    case 'pulledWithinDays':
      return scope.filter((x) => x.a.pulledAt !== null && x.a.pulledAt.getTime() >= cutoff);
  }
}

/** The rule's tags of an artifact, and whether the artifact is in the rule's scope. */
function scopeOf(rule: RetentionRule, a: ArtifactTimes, state: RepositoryState): string[] | undefined {
  if (rule.label) {
    const value = state.labels.get(a.digest)?.[rule.label.key];
    if (value === undefined || (rule.label.value !== undefined && value !== rule.label.value))
      return undefined;
  }
  const tags = a.tags.map((t) => t.name).filter((t) => selects(rule.tags, t));
  if (tags.length > 0) return tags;
  return a.tags.length === 0 && rule.untagged ? [] : undefined;
}

/**
 * The plan for one repository: a `retain` item for every artifact in the policy's scope that a
 * rule (or immutability) keeps, an `untag` item removing the in-scope tags of the others that keep
 * another tag, a `delete` item for those left with none, then a `delete` for each attachment and
 * index child following a deleted manifest. Attachments and index children are never candidates.
 */
export async function planRepository(state: RepositoryState, ctx: PlanContext): Promise<PlannedItem[]> {
  const children = new Set(state.edges.map((e) => e.child));
  const isAttachment = (a: ArtifactTimes) => a.subject !== null || a.tags.some((t) => isCosignTag(t.name));
  const candidates = state.artifacts
    .filter((a) => !isAttachment(a) && !children.has(a.digest))
    .sort(byDigest);
  const { inScope, keptByRule } = judge(state, candidates, ctx);
  const items: PlannedItem[] = [];
  const deleted = new Set<Digest>();
  for (const a of candidates) {
    const scoped = inScope.get(a.digest);
    if (!scoped) continue;
    const item = await decide(state.repository, a, scoped, keptByRule.get(a.digest), ctx);
    items.push(item);
    if (item.action === 'delete') deleted.add(a.digest);
  }
  return [...items, ...followers(state, deleted)];
}

/**
 * Every rule selecting the repository, over the candidates: per artifact in the policy's scope the
 * tags some rule scopes (those retention may remove), and the first rule keeping it.
 */
function judge(state: RepositoryState, candidates: readonly ArtifactTimes[], ctx: PlanContext) {
  const inScope = new Map<Digest, Set<string>>();
  const keptByRule = new Map<Digest, number>();
  ctx.rules.forEach((rule, index) => {
    if (!selects(rule.repositories, state.path)) return;
    const scope: Scoped[] = [];
    for (const a of candidates) {
      const tags = scopeOf(rule, a, state);
      if (tags === undefined) continue;
      const tagTimes = a.tags.filter((t) => tags.includes(t.name)).map((t) => t.pushedAt.getTime());
      scope.push({ a, pushed: tags.length === 0 ? a.pushedAt.getTime() : Math.max(...tagTimes) });
      const set = inScope.get(a.digest) ?? new Set<string>();
      for (const t of tags) set.add(t);
      inScope.set(a.digest, set);
    }
    for (const { a } of keptBy(rule, scope, ctx.now))
      if (!keptByRule.has(a.digest)) keptByRule.set(a.digest, index);
  });
  return { inScope, keptByRule };
}

/** One artifact in scope: retained (by a rule, or immutable), untagged of its scoped tags, or deleted. */
async function decide(
  repository: string,
  a: ArtifactTimes,
  scoped: ReadonlySet<string>,
  ruleIndex: number | undefined,
  ctx: PlanContext,
): Promise<PlannedItem> {
  const base = { repository, digest: a.digest, tags: a.tags.map((t) => t.name), rule: null };
  if (ruleIndex !== undefined) {
    const reason = `kept by ${describeRetentionRule(ctx.rules[ruleIndex] as RetentionRule, ruleIndex)}`;
    return { ...base, action: 'retain', reason, rule: ruleIndex + 1 };
  }
  const immutable = await firstImmutable(repository, base.tags, ctx);
  if (immutable) return { ...base, action: 'retain', reason: immutable };
  const removed = base.tags.filter((t) => scoped.has(t));
  if (removed.length < base.tags.length)
    return { ...base, action: 'untag', tags: removed, reason: 'no rule retains it' };
  const reason =
    base.tags.length === 0 ? 'untagged, no rule retains it' : 'no rule retains it, and no tag is left';
  return { ...base, action: 'delete', reason };
}

async function firstImmutable(
  repository: string,
  tags: string[],
  ctx: PlanContext,
): Promise<string | undefined> {
  for (const tag of tags) {
    if (isCosignTag(tag)) continue;
    const reason = await ctx.immutable(repository, tag);
    if (reason !== undefined) return `immutable: tag ${tag} (${reason})`;
  }
  return undefined;
}

/** `key → values`, appending. */
function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Who follows whom: attachments by the manifest they attach to, index edges both ways. */
function dependents(state: RepositoryState) {
  const attached = new Map<Digest, { a: ArtifactTimes; reason: 'referrer' | 'attachment' }[]>();
  for (const a of state.artifacts) {
    if (a.subject !== null) push(attached, a.subject, { a, reason: 'referrer' });
    else {
      const cosign = a.tags.find((t) => isCosignTag(t.name));
      if (cosign) push(attached, cosignSubject(cosign.name), { a, reason: 'attachment' });
    }
  }
  const children = new Map<Digest, Digest[]>();
  const parents = new Map<Digest, Digest[]>();
  for (const e of state.edges) {
    push(children, e.parent, e.child);
    push(parents, e.child, e.parent);
  }
  return { attached, children, parents };
}

/**
 * What goes with the deleted manifests: their referrers and cosign-tag attachments, and the
 * children of a deleted index that have no tag and that no remaining index holds, recursively.
 */
function followers(state: RepositoryState, deleted: Set<Digest>): PlannedItem[] {
  const out: PlannedItem[] = [];
  const byDigestMap = new Map(state.artifacts.map((a) => [a.digest, a]));
  const { attached, children, parents } = dependents(state);
  const queue = [...deleted];
  const follow = (a: ArtifactTimes, of: Digest, reason: string) => {
    if (deleted.has(a.digest)) return;
    deleted.add(a.digest);
    queue.push(a.digest);
    const tags = a.tags.map((t) => t.name);
    out.push({
      repository: state.repository,
      digest: a.digest,
      action: 'delete',
      tags,
      reason,
      rule: null,
      follows: of,
    });
  };
  for (let i = 0; i < queue.length; i++) {
    const subject = queue[i] as Digest;
    for (const { a, reason } of attached.get(subject) ?? []) follow(a, subject, `${reason} of ${subject}`);
    for (const c of children.get(subject) ?? []) {
      const child = byDigestMap.get(c);
      if (!child || child.tags.length > 0) continue;
      if ((parents.get(c) ?? []).every((p) => deleted.has(p)))
        follow(child, subject, `child of index ${subject}`);
    }
  }
  return out;
}
