import { describe, expect, it } from 'vitest';
import { evaluateConditions, substitute, variablesIn } from './conditions.js';
import type { Condition, ConditionBlock } from './types.js';

const predicate = {
  buildDefinition: {
    buildType: 'https://github.com/slsa-framework/slsa-github-generator',
    externalParameters: { ref: 'main' },
  },
  runDetails: {
    builder: { id: 'https://github.com/slsa-framework/builder' },
    metadata: { tags: ['a', 'b'] },
  },
  score: 7,
};

const cond = (key: unknown, operator: Condition['operator'], value: unknown): Condition => ({
  path: 'c',
  key,
  operator,
  value,
});

describe('{{ }} substitution', () => {
  it.each([
    ['{{ buildDefinition.buildType }}', predicate.buildDefinition.buildType],
    ['{{score}}', 7],
    ['{{ runDetails.metadata.tags }}', ['a', 'b']],
    ['{{ length(runDetails.metadata.tags) }}', 2],
    ['score is {{ score }}, ref {{ buildDefinition.externalParameters.ref }}', 'score is 7, ref main'],
    ['tags {{ runDetails.metadata.tags }}', 'tags ["a","b"]'],
    ['no variables', 'no variables'],
    [42, 42],
    [
      ['{{ score }}', 'x'],
      [7, 'x'],
    ],
  ])('%j → %j', (template, expected) => {
    expect(substitute(template, predicate)).toEqual(expected);
  });

  it.each([
    ['{{ buildType }}', '{{ buildType }} is not in the predicate'],
    ['{{ a..b }}', '{{ a..b }}: Syntax error'],
    ["{{ regex_match(score, 'x') }}", 'Unknown function'],
  ])('%j fails: %s', (template, message) => {
    expect(() => substitute(template, predicate)).toThrow(message);
  });

  it('lists the expressions a template uses', () => {
    expect(variablesIn({ a: '{{ x.y }} and {{z}}', b: ['{{ w }}'] })).toEqual(['x.y', 'z', 'w']);
  });
});

describe('any/all conditions', () => {
  const pass = cond('{{ buildDefinition.buildType }}', 'Equals', 'https://github.com/slsa-framework/*');
  const fail = cond('{{ score }}', 'GreaterThan', 9);
  const broken = cond('{{ buildType }}', 'Equals', 'x');
  it.each<[string, ConditionBlock[], 'pass' | 'fail']>([
    ['all true', [{ path: 'b', all: [pass, pass] }], 'pass'],
    ['all with one false', [{ path: 'b', all: [pass, fail] }], 'fail'],
    ['any with one true', [{ path: 'b', any: [fail, pass] }], 'pass'],
    ['any all false', [{ path: 'b', any: [fail, fail] }], 'fail'],
    ['any and all both needed', [{ path: 'b', any: [pass], all: [fail] }], 'fail'],
    ['any and all both hold', [{ path: 'b', any: [fail, pass], all: [pass] }], 'pass'],
    [
      'blocks are ANDed',
      [
        { path: 'b0', all: [pass] },
        { path: 'b1', any: [fail] },
      ],
      'fail',
    ],
    ['an unresolvable variable fails any', [{ path: 'b', any: [pass, broken] }], 'fail'],
    ['no conditions', [], 'pass'],
  ])('%s', (_name, blocks, expected) => {
    expect(evaluateConditions(blocks, predicate).outcome).toBe(expected);
  });

  it('says which condition failed and why', () => {
    const r = evaluateConditions(
      [{ path: 'conditions[0]', all: [{ ...fail, path: 'conditions[0].all[0]' }] }],
      predicate,
    );
    expect(r.reason).toBe('conditions[0]: conditions[0].all[0]: 7 is not > 9');
    const e = evaluateConditions([{ path: 'conditions[0]', any: [broken] }], predicate);
    expect(e.reason).toBe(
      'conditions[0]: variable substitution failed: {{ buildType }} is not in the predicate',
    );
  });

  it('appends the condition message to a failure', () => {
    const r = evaluateConditions([{ path: 'b', all: [{ ...fail, message: 'score too low' }] }], predicate);
    expect(r.blocks[0]?.all?.[0]?.reason).toBe('7 is not > 9 (score too low)');
  });
});
