/** Kyverno-style conditions over a JSON document (an attestation's predicate); each keeps its path in the policy. */

export const OPERATORS = [
  'Equals',
  'NotEquals',
  'Equal',
  'NotEqual',
  'In',
  'NotIn',
  'AnyIn',
  'AllIn',
  'AnyNotIn',
  'AllNotIn',
  'GreaterThan',
  'GreaterThanOrEquals',
  'LessThan',
  'LessThanOrEquals',
] as const;

export type Operator = (typeof OPERATORS)[number];

export interface ConditionBlock {
  path: string;
  any?: Condition[];
  all?: Condition[];
}

export interface Condition {
  path: string;
  key: unknown;
  operator: Operator;
  value: unknown;
  message?: string;
}
