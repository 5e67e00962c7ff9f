import { type JSONValue, search } from '@jmespath-community/jmespath';
import { evaluateOperator } from './operators.js';

export { show } from './operators.js';

import type { Condition, ConditionBlock, Operator } from './types.js';

export type Outcome = 'pass' | 'fail' | 'skip';

export interface ConditionResult {
  path: string;
  operator: Operator;
  /** The key and value after `{{ }}` substitution (undefined when substitution failed). */
  key?: unknown;
  value?: unknown;
  /** An error is a failure Kyverno reports as "failed to substitute variables". */
  outcome: 'pass' | 'fail' | 'error';
  reason: string;
}

export interface BlockResult {
  path: string;
  outcome: 'pass' | 'fail';
  reason: string;
  any?: ConditionResult[];
  all?: ConditionResult[];
}

const VARIABLE = /\{\{((?:\{[^{}]*\}|[^{}])*)\}\}/g;
const WHOLE = /^\s*\{\{((?:\{[^{}]*\}|[^{}])*)\}\}\s*$/;

function query(expr: string, root: unknown): unknown {
  const path = expr.trim();
  let result: unknown;
  try {
    result = search(root as JSONValue, path);
  } catch (err) {
    throw new Error(`{{ ${path} }}: ${(err as Error).message}`);
  }
  if (result === null || result === undefined) throw new Error(`{{ ${path} }} is not in the predicate`);
  return result;
}

/** `{{ path }}` JMESPath substitution: a string that is one variable takes the result's type. Throws. */
export function substitute(template: unknown, root: unknown): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return query(whole[1] as string, root);
    return template.replace(VARIABLE, (_m, expr: string) => {
      const v = query(expr, root);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(template)) return template.map((x) => substitute(x, root));
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, substitute(v, root)]));
  }
  return template;
}

/** The JMESPath expressions a template uses (for the static diagnosis). */
export function variablesIn(template: unknown): string[] {
  if (typeof template === 'string')
    return [...template.matchAll(VARIABLE)].map((m) => (m[1] as string).trim());
  if (Array.isArray(template)) return template.flatMap(variablesIn);
  if (typeof template === 'object' && template !== null) return Object.values(template).flatMap(variablesIn);
  return [];
}

export function evaluateCondition(c: Condition, root: unknown): ConditionResult {
  const base = { path: c.path, operator: c.operator };
  let key: unknown;
  let value: unknown;
  try {
    key = substitute(c.key, root);
    value = substitute(c.value, root);
  } catch (err) {
    return { ...base, outcome: 'error', reason: (err as Error).message };
  }
  const r = evaluateOperator(c.operator, key, value);
  const message = !r.ok && c.message ? ` (${c.message})` : '';
  return { ...base, key, value, outcome: r.ok ? 'pass' : 'fail', reason: `${r.why}${message}` };
}

function evaluateBlock(b: ConditionBlock, root: unknown): BlockResult {
  const any = b.any?.map((c) => evaluateCondition(c, root));
  const all = b.all?.map((c) => evaluateCondition(c, root));
  const results = [...(any ?? []), ...(all ?? [])];
  const base = { path: b.path, ...(any ? { any } : {}), ...(all ? { all } : {}) };
  const error = results.find((r) => r.outcome === 'error');
  if (error) return { ...base, outcome: 'fail', reason: `variable substitution failed: ${error.reason}` };
  if (any && any.length > 0 && !any.some((r) => r.outcome === 'pass')) {
    return { ...base, outcome: 'fail', reason: 'no condition in any holds' };
  }
  const failed = all?.find((r) => r.outcome === 'fail');
  if (failed) return { ...base, outcome: 'fail', reason: `${failed.path}: ${failed.reason}` };
  return { ...base, outcome: 'pass', reason: 'conditions hold' };
}

/**
 * Kyverno's AnyAllConditions: every block must hold; in a block, `any` needs one condition true and
 * `all` every one. A condition whose `{{ }}` cannot be resolved fails its block, whatever `any` says.
 */
export function evaluateConditions(
  blocks: readonly ConditionBlock[],
  root: unknown,
): { outcome: 'pass' | 'fail'; reason: string; blocks: BlockResult[] } {
  const results = blocks.map((b) => evaluateBlock(b, root));
  const failed = results.find((r) => r.outcome === 'fail');
  if (failed) return { outcome: 'fail', reason: `${failed.path}: ${failed.reason}`, blocks: results };
  return {
    outcome: 'pass',
    reason: results.length ? 'all conditions hold' : 'no conditions',
    blocks: results,
  };
}
