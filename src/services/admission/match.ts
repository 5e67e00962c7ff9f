import { wildcardMatch } from '../../supplychain/conditions/wildcard.js';
import { POD_CONTROLLERS } from './policy.js';
import type { ClusterPolicy, MatchBlock, Operation, ResourceFilter, Rule } from './policy-types.js';

/** What a rule is matched against: the admission request's resource. */
export interface Target {
  group: string;
  version: string;
  kind: string;
  subResource: string;
  namespace: string;
  name: string;
  operation: Operation;
}

export interface RuleMatch {
  matched: boolean;
  /** The rule's name, or its autogen name (`autogen-…`, `autogen-cronjob-…`) for a pod controller. */
  name: string;
  reason: string;
}

const CONTROLLERS: ReadonlySet<string> = new Set(POD_CONTROLLERS);

/** Subresources that carry images a Pod rule must see (`kubectl debug` adds ephemeral containers). */
const IMAGE_SUBRESOURCES = new Set(['ephemeralcontainers']);

interface KindSelector {
  group?: string;
  version?: string;
  kind: string;
  subResource?: string;
}

/** `[group/][version/]Kind[/subresource]`: the Kind is the first segment that starts upper-case. */
export function parseKindSelector(selector: string): KindSelector {
  const parts = selector.split('/');
  let at = parts.findIndex((p) => /^[A-Z]/.test(p));
  if (at === -1) at = parts.length === 1 ? 0 : parts.length - 1;
  const before = parts.slice(0, at);
  const out: KindSelector = { kind: parts[at] ?? '' };
  if (before.length === 1) out.version = before[0] as string;
  if (before.length >= 2) {
    out.group = before[0] as string;
    out.version = before[1] as string;
  }
  if (at + 1 < parts.length) out.subResource = parts.slice(at + 1).join('/');
  return out;
}

function kindMatches(selector: string, t: Target, autogen: boolean): boolean {
  const s = parseKindSelector(selector);
  if (!wildcardMatch(s.kind, autogen ? 'Pod' : t.kind)) return false;
  if (!autogen && s.group !== undefined && !wildcardMatch(s.group, t.group)) return false;
  if (!autogen && s.version !== undefined && !wildcardMatch(s.version, t.version)) return false;
  if (s.subResource !== undefined) return wildcardMatch(s.subResource, t.subResource);
  return t.subResource === '' || (t.kind === 'Pod' && IMAGE_SUBRESOURCES.has(t.subResource));
}

/** Why `f` does not match, or undefined when it does. */
function filterMiss(f: ResourceFilter, t: Target, autogen: boolean): string | undefined {
  const shown = t.subResource ? `${t.kind}/${t.subResource}` : t.kind;
  if (!f.kinds.some((k) => kindMatches(k, t, autogen)))
    return `kind ${shown} is not in [${f.kinds.join(', ')}]`;
  if (f.namespaces && !f.namespaces.some((n) => wildcardMatch(n, t.namespace))) {
    return `namespace "${t.namespace}" is not in [${f.namespaces.join(', ')}]`;
  }
  if (f.names && !f.names.some((n) => wildcardMatch(n, t.name))) {
    return `name "${t.name}" is not in [${f.names.join(', ')}]`;
  }
  if (f.operations && !f.operations.includes(t.operation)) {
    return `operation ${t.operation} is not in [${f.operations.join(', ')}]`;
  }
  return undefined;
}

/** Why the block does not match, or undefined when it does (any: one filter; all: every filter). */
function blockMiss(block: MatchBlock, t: Target, autogen: boolean): string | undefined {
  if (block.any) {
    const misses = block.any.map((f) => filterMiss(f, t, autogen));
    if (!misses.includes(undefined)) return misses.join('; ');
  }
  for (const f of block.all ?? []) {
    const miss = filterMiss(f, t, autogen);
    if (miss) return miss;
  }
  return undefined;
}

function filters(rule: Rule): ResourceFilter[] {
  const blocks = [rule.match, ...(rule.exclude ? [rule.exclude] : [])];
  return blocks.flatMap((b) => [...(b.any ?? []), ...(b.all ?? [])]);
}

/** Kyverno autogen: rules that match only Pods, by kind and namespace (not by name), extend to controllers. */
export function isAutogenEligible(rule: Rule): boolean {
  return filters(rule).every(
    (f) => f.names === undefined && f.kinds.every((k) => parseKindSelector(k).kind === 'Pod'),
  );
}

function autogenName(rule: Rule, kind: string): string {
  return kind === 'CronJob' ? `autogen-cronjob-${rule.name}` : `autogen-${rule.name}`;
}

function evaluate(rule: Rule, t: Target, autogen: boolean, name: string): RuleMatch {
  const miss = blockMiss(rule.match, t, autogen);
  if (miss) return { matched: false, name, reason: `match: ${miss}` };
  if (rule.exclude && blockMiss(rule.exclude, t, autogen) === undefined) {
    return { matched: false, name, reason: 'excluded by exclude' };
  }
  return {
    matched: true,
    name,
    reason: `matches ${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`,
  };
}

/** Whether `rule` applies to the target, directly or through its autogen copy for pod controllers. */
export function matchRule(policy: ClusterPolicy, rule: Rule, t: Target): RuleMatch {
  const direct = evaluate(rule, t, false, rule.name);
  if (direct.matched || !CONTROLLERS.has(t.kind) || !isAutogenEligible(rule)) return direct;
  if (!policy.autogenControllers.includes(t.kind)) {
    return { ...direct, reason: `${direct.reason} (autogen does not cover ${t.kind})` };
  }
  const auto = evaluate(rule, t, true, autogenName(rule, t.kind));
  return auto.matched ? { ...auto, reason: `${auto.reason} (autogen from Pod rule ${rule.name})` } : auto;
}
