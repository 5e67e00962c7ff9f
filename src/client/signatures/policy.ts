import { parse as parseYaml } from 'yaml';
import { evaluateConditions } from '../../supplychain/conditions/conditions.js';
import {
  type Condition,
  type ConditionBlock,
  OPERATORS,
  type Operator,
} from '../../supplychain/conditions/types.js';

/**
 * `verify-attestation --policy`: Kyverno conditions over an attestation's predicate, evaluated by the
 * admission engine's evaluator (`{{ buildDefinition.buildType }}` is JMESPath over the predicate, as
 * Kyverno merges it into the context root; every operator Kyverno has). The file is `{all|any: […]}`,
 * a list of those (an AND), or `{conditions: […]}`, in JSON or YAML.
 */
export type Policy = ConditionBlock[];

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readConditions(v: unknown, path: string): Condition[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new PolicyError(`${path} must be a list`);
  return v.map((c: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isMap(c) || c.key === undefined || typeof c.operator !== 'string') {
      throw new PolicyError(`${at} needs a key and an operator`);
    }
    if (!(OPERATORS as readonly string[]).includes(c.operator)) {
      throw new PolicyError(`${at}: unknown operator ${c.operator} (one of ${OPERATORS.join(', ')})`);
    }
    const message = typeof c.message === 'string' ? { message: c.message } : {};
    return { path: at, key: c.key, operator: c.operator as Operator, value: c.value, ...message };
  });
}

function readBlock(v: unknown, path: string): ConditionBlock {
  if (!isMap(v)) throw new PolicyError(`${path} is not a map`);
  const all = readConditions(v.all, `${path}.all`);
  const any = readConditions(v.any, `${path}.any`);
  if (!all && !any) throw new PolicyError(`${path} has neither all nor any`);
  return { path, ...(all ? { all } : {}), ...(any ? { any } : {}) };
}

/** Parses a policy file (JSON or YAML). */
export function parsePolicy(text: string): Policy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`policy is not valid JSON or YAML: ${(err as Error).message}`);
  }
  if (isMap(doc) && 'conditions' in doc) doc = doc.conditions;
  if (Array.isArray(doc)) return doc.map((b, i) => readBlock(b, `conditions[${i}]`));
  return [readBlock(doc, 'conditions')];
}

/** undefined when the predicate satisfies the policy, else why it does not. */
export function checkPolicy(policy: Policy, predicate: unknown): string | undefined {
  const r = evaluateConditions(policy, predicate);
  if (r.outcome === 'pass') return undefined;
  const failed = r.blocks.find((b) => b.outcome === 'fail');
  const anyFailed = failed?.any && !failed.any.some((c) => c.outcome === 'pass');
  const detail = anyFailed ? `: ${failed.any?.map((c) => `${c.path}: ${c.reason}`).join('; ')}` : '';
  return `${r.reason}${detail}`;
}
