import type { Selector } from '../../ports/lifecycle-store.js';
import {
  RETENTION_KINDS,
  type RetentionKind,
  type RetentionPolicyInput,
  type RetentionRule,
} from '../../ports/retention-store.js';
import { parseSchedule } from '../cron.js';
import { checkSelector, RuleError } from './rules.js';

/** At most this many rules in a retention policy (Harbor allows 15). */
export const MAX_RETENTION_RULES = 15;
const MAX_COUNT = 100_000;
const MAX_DAYS = 36_500;
/** As the labels API takes them: a letter or digit, then letters, digits, `.`, `_`, `-` (128 at most). */
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const LABEL_VALUE = /^[^\u0000-\u001f\u007f]{0,256}$/;

const COUNTED: readonly RetentionKind[] = ['latestPushed', 'latestPulled'];
const TIMED: readonly RetentionKind[] = ['pushedWithinDays', 'pulledWithinDays'];

function integer(field: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw new RuleError(field, `must be an integer from 1 to ${max}`);
  return v;
}

function selector(field: string, kind: 'repositories' | 'tags', s: Selector): Selector {
  try {
    checkSelector(kind, s);
  } catch (err) {
    if (err instanceof RuleError)
      throw new RuleError(`${field}.${err.field}`, err.message.replace(/^[^:]*: /, ''));
    throw err;
  }
  return { decoration: s.decoration, pattern: s.pattern };
}

/** One rule, checked and normalised (only the fields its kind uses); throws {@link RuleError}. */
function checkRule(r: RetentionRule, i: number): RetentionRule {
  const at = `rules.${i}`;
  if (!RETENTION_KINDS.includes(r.kind))
    throw new RuleError(`${at}.kind`, `must be one of ${RETENTION_KINDS.join(', ')}`);
  const out: RetentionRule = {
    kind: r.kind,
    repositories: selector(at, 'repositories', r.repositories),
    tags: selector(at, 'tags', r.tags),
    untagged: r.untagged,
  };
  if (COUNTED.includes(r.kind)) out.n = integer(`${at}.n`, r.n, MAX_COUNT);
  else if (r.n !== undefined) throw new RuleError(`${at}.n`, `is only for ${COUNTED.join(' and ')}`);
  if (TIMED.includes(r.kind)) out.days = integer(`${at}.days`, r.days, MAX_DAYS);
  else if (r.days !== undefined) throw new RuleError(`${at}.days`, `is only for ${TIMED.join(' and ')}`);
  if (r.label) {
    if (!LABEL_KEY.test(r.label.key))
      throw new RuleError(
        `${at}.label.key`,
        'must be a letter or digit, then up to 127 of A-Z a-z 0-9 . _ -',
      );
    const value = r.label.value;
    if (value !== undefined && !LABEL_VALUE.test(value))
      throw new RuleError(`${at}.label.value`, 'must be at most 256 characters, none a control character');
    out.label = { key: r.label.key, ...(value !== undefined ? { value } : {}) };
  }
  return out;
}

/** A policy as stored: every rule checked, the schedule parsed; throws {@link RuleError} naming the field. */
export function checkRetentionPolicy(p: RetentionPolicyInput): RetentionPolicyInput {
  if (p.rules.length > MAX_RETENTION_RULES)
    throw new RuleError('rules', `at most ${MAX_RETENTION_RULES} rules`);
  if (p.schedule !== null && !parseSchedule(p.schedule))
    throw new RuleError('schedule', 'must be HH:MM (UTC) or <n>s, <n>m, <n>h (at most 7 days), or null');
  return { rules: p.rules.map(checkRule), schedule: p.schedule, enabled: p.enabled };
}

/** `rule 2 (latestPushed 10, tags matching v*)`: how a run's items name the rule. */
export function describeRetentionRule(r: RetentionRule, index: number): string {
  const what =
    r.kind === 'always' ? 'always' : r.n !== undefined ? `${r.kind} ${r.n}` : `${r.kind} ${r.days ?? 0}`;
  const repos =
    r.repositories.decoration === 'matching' && r.repositories.pattern === '**'
      ? ''
      : `repositories ${r.repositories.decoration} ${r.repositories.pattern}, `;
  const untagged = r.untagged ? ', untagged' : '';
  const label = r.label
    ? `, label ${r.label.key}${r.label.value !== undefined ? `=${r.label.value}` : ''}`
    : '';
  return `rule ${index + 1} (${what}, ${repos}tags ${r.tags.decoration} ${r.tags.pattern}${untagged}${label})`;
}
