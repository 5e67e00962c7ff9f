import type { Operator } from './types.js';
import { asDurations, asNumber, compareSemver, deepEqual, parseQuantity } from './values.js';
import { wildcardMatch } from './wildcard.js';

export interface OperatorResult {
  ok: boolean;
  why: string;
}

export function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}

const SIGNIFICANT = /[1-9]\d*/;

/** Quantities are exact in Kubernetes; floats are only trusted up to 15 significant digits. */
function quantitiesEqual(a: string, b: string, qa: number, qb: number): boolean {
  if (a === b) return true;
  const digits = (s: string) => (SIGNIFICANT.exec(s.replace(/[.+-]/g, ''))?.[0].length ?? 0) <= 15;
  return digits(a) && digits(b) && qa === qb;
}

/** Kyverno's Equals (pkg/engine/variables/operator/equal.go): string values are wildcard patterns. */
export function equals(key: unknown, value: unknown): OperatorResult {
  const differ = {
    ok: false,
    why: `${show(key)} (${typeOf(key)}) and ${show(value)} (${typeOf(value)}) differ`,
  };
  if (typeof key === 'boolean' || key === null)
    return key === value ? { ok: true, why: `${show(key)} equals it` } : differ;
  if (typeof key === 'number') {
    const v = typeof value === 'string' ? asNumber(value) : value;
    return v === key ? { ok: true, why: `${key} equals ${show(value)}` } : differ;
  }
  if (typeof key === 'string') {
    const d = asDurations(key, value);
    if (d) {
      return {
        ok: d[0] === d[1],
        why: `durations ${show(key)} and ${show(value)} ${d[0] === d[1] ? 'are' : 'are not'} equal`,
      };
    }
    const kq = parseQuantity(key);
    if (kq !== undefined && typeof value === 'string') {
      const vq = parseQuantity(value);
      const ok = vq !== undefined && quantitiesEqual(key, value, kq, vq);
      return { ok, why: `quantities ${show(key)} and ${show(value)} ${ok ? 'are' : 'are not'} equal` };
    }
    if (typeof value !== 'string') return differ;
    return wildcardMatch(value, key)
      ? { ok: true, why: `${show(key)} matches ${show(value)}` }
      : { ok: false, why: `${show(key)} does not match ${show(value)}` };
  }
  return deepEqual(key, value) ? { ok: true, why: `${show(key)} equals it` } : differ;
}

function str(v: unknown): string {
  return typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : JSON.stringify(v);
}

/** The set a membership operator tests against: a list, a JSON list in a string, or one scalar. */
function asSet(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(str);
  if (typeof value === 'string') {
    if (value.trim().startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (Array.isArray(parsed)) return parsed.map(str);
      } catch {
        // not JSON: the string itself is the one member
      }
    }
    return [value];
  }
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return undefined;
}

/** Membership is a wildcard match either way round (Kyverno's isAnyIn/isAllIn). */
function member(k: string, set: readonly string[]): boolean {
  return set.some((v) => wildcardMatch(v, k) || wildcardMatch(k, v));
}

type SetOp = 'AnyIn' | 'AllIn' | 'AnyNotIn' | 'AllNotIn';

function membership(op: SetOp, key: unknown, value: unknown): OperatorResult {
  const set = asSet(value);
  const keys = Array.isArray(key)
    ? key.map(str)
    : typeof key === 'object' && key !== null
      ? undefined
      : [str(key)];
  if (!set || !keys)
    return {
      ok: false,
      why: `${op} needs a scalar or list key and value, got ${show(key)} and ${show(value)}`,
    };
  const inside = keys.filter((k) => member(k, set));
  const outside = keys.filter((k) => !member(k, set));
  const ok = {
    AnyIn: inside.length > 0,
    AllIn: outside.length === 0,
    AnyNotIn: outside.length > 0,
    AllNotIn: inside.length === 0,
  }[op];
  const parts = [inside.length ? `${show(inside)} in` : '', outside.length ? `${show(outside)} not in` : ''];
  return { ok, why: `${parts.filter(Boolean).join(', ')} ${show(set)}` };
}

/** Orders key against value: durations, then quantities, then numbers, then semantic versions. */
function compare(key: unknown, value: unknown): number | undefined {
  const d = asDurations(key, value);
  if (d) return Math.sign(d[0] - d[1]);
  if (typeof key === 'string' && typeof value === 'string') {
    const kq = parseQuantity(key);
    const vq = parseQuantity(value);
    if (kq !== undefined && vq !== undefined) return Math.sign(kq - vq);
    const sv = compareSemver(key, value);
    if (sv !== undefined) return sv;
  }
  const kn = asNumber(key);
  const vn = asNumber(value);
  return kn === undefined || vn === undefined ? undefined : Math.sign(kn - vn);
}

const ORDER: Readonly<Record<string, [(c: number) => boolean, string]>> = {
  GreaterThan: [(c) => c > 0, '>'],
  GreaterThanOrEquals: [(c) => c >= 0, '>='],
  LessThan: [(c) => c < 0, '<'],
  LessThanOrEquals: [(c) => c <= 0, '<='],
};

export function evaluateOperator(op: Operator, key: unknown, value: unknown): OperatorResult {
  switch (op) {
    case 'Equals':
    case 'Equal':
      return equals(key, value);
    case 'NotEquals':
    case 'NotEqual': {
      const r = equals(key, value);
      return { ok: !r.ok, why: r.why };
    }
    case 'In':
      return membership('AllIn', key, value);
    case 'NotIn':
      return membership('AnyNotIn', key, value);
    case 'AnyIn':
    case 'AllIn':
    case 'AnyNotIn':
    case 'AllNotIn':
      return membership(op, key, value);
    case 'GreaterThan':
    case 'GreaterThanOrEquals':
    case 'LessThan':
    case 'LessThanOrEquals': {
      const [test, sign] = ORDER[op] as [(c: number) => boolean, string];
      const c = compare(key, value);
      if (c === undefined) {
        return {
          ok: false,
          why: `${show(key)} and ${show(value)} are not comparable (numbers, durations, quantities or versions)`,
        };
      }
      return { ok: test(c), why: `${show(key)} ${test(c) ? '' : 'is not '}${sign} ${show(value)}` };
    }
  }
}
