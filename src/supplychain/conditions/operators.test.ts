import { describe, expect, it } from 'vitest';
import { evaluateOperator } from './operators.js';
import type { Operator } from './types.js';

const URI = 'https://github.com/slsa-framework/slsa-github-generator';

describe('condition operators (Kyverno semantics)', () => {
  it.each<[Operator, unknown, unknown, boolean]>([
    // Equals: string values are wildcard patterns
    ['Equals', URI, 'https://github.com/slsa-framework/*', true],
    ['Equals', URI, URI, true],
    ['Equals', 'https://github.com/other/x', 'https://github.com/slsa-framework/*', false],
    ['Equals', 'abc', 'a?c', true],
    ['Equals', 'abc', 'ABC', false],
    ['Equal', 'abc', 'a*', true],
    ['Equals', true, true, true],
    ['Equals', true, 'true', false],
    ['Equals', 3, 3, true],
    ['Equals', 3, '3', true],
    ['Equals', 3.5, 3.5, true],
    ['Equals', '5', 5, false],
    ['Equals', '1Gi', '1024Mi', true],
    ['Equals', '500m', '0.5', true],
    ['Equals', '1h', '60m', true],
    ['Equals', '90s', 90, true],
    ['Equals', '12345678901234567890', '12345678901234567891', false],
    ['Equals', { a: [1, 'x'] }, { a: [1, 'x'] }, true],
    ['Equals', { a: 1 }, { a: 2 }, false],
    ['Equals', ['a', 'b'], ['a', 'b'], true],
    ['Equals', ['a', 'b'], ['b', 'a'], false],
    ['NotEquals', URI, 'https://github.com/slsa-framework/*', false],
    ['NotEquals', 'https://example.com/b', 'https://github.com/*', true],
    ['NotEqual', 'a', 'b', true],
    // membership: wildcards either way round
    ['AnyIn', 'b', ['a', 'b'], true],
    ['AnyIn', 'c', ['a', 'b'], false],
    ['AnyIn', 'github.com/x', ['github.com/*'], true],
    ['AnyIn', ['x', 'b'], ['a', 'b'], true],
    ['AnyIn', ['x', 'y'], ['a', 'b'], false],
    ['AnyIn', 'b', '["a","b"]', true],
    ['AnyIn', 'b', 'b', true],
    ['AnyIn', 2, [1, 2], true],
    ['AllIn', ['a', 'b'], ['a', 'b', 'c'], true],
    ['AllIn', ['a', 'x'], ['a', 'b', 'c'], false],
    ['In', ['a', 'b'], ['a', 'b', 'c'], true],
    ['In', 'x', ['a'], false],
    ['AnyNotIn', ['a', 'x'], ['a', 'b'], true],
    ['AnyNotIn', ['a', 'b'], ['a', 'b'], false],
    ['AllNotIn', ['x', 'y'], ['a', 'b'], true],
    ['AllNotIn', ['x', 'a'], ['a', 'b'], false],
    ['NotIn', 'x', ['a', 'b'], true],
    ['NotIn', 'a', ['a', 'b'], false],
    ['NotIn', ['a', 'x'], ['a', 'b'], true],
    ['AnyIn', { a: 1 }, ['a'], false],
    // ordering: numbers, quantities, durations, versions
    ['GreaterThan', 5, 3, true],
    ['GreaterThan', 3, 3, false],
    ['GreaterThanOrEquals', 3, 3, true],
    ['GreaterThan', '5', 3, true],
    ['GreaterThan', '2Gi', '1500Mi', true],
    ['LessThan', '1h', '2h', true],
    ['LessThan', 30, '1m', true],
    ['LessThan', '1.2.3', '1.10.0', true],
    ['LessThan', '1.0.0-rc.1', '1.0.0', true],
    ['LessThanOrEquals', 2, 2, true],
    ['LessThan', 'abc', 3, false],
    ['GreaterThan', 'abc', 'abd', false],
  ])('%s: %j vs %j is %s', (op, key, value, expected) => {
    expect(evaluateOperator(op, key, value).ok).toBe(expected);
  });

  it('explains each verdict', () => {
    expect(evaluateOperator('Equals', 'x', 'y*').why).toBe('"x" does not match "y*"');
    expect(evaluateOperator('AnyIn', ['a', 'z'], ['a']).why).toBe('["a"] in, ["z"] not in ["a"]');
    expect(evaluateOperator('GreaterThan', 1, 2).why).toBe('1 is not > 2');
    expect(evaluateOperator('LessThan', 'abc', 3).why).toMatch(/not comparable/);
  });
});
