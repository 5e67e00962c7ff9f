import { describe, expect, it } from 'vitest';
import { parseRuleSpec } from './retention-rule.js';

describe('parseRuleSpec', () => {
  it('reads kinds, counts, days, selectors, untagged and labels', () => {
    expect(parseRuleSpec('latestPushed:10 tags=v*')).toEqual({
      kind: 'latestPushed',
      n: 10,
      tags: { decoration: 'matching', pattern: 'v*' },
    });
    expect(parseRuleSpec(' pushedWithinDays:14  tags!=**  untagged repos=app/** label=keep=yes')).toEqual({
      kind: 'pushedWithinDays',
      days: 14,
      tags: { decoration: 'excluding', pattern: '**' },
      repositories: { decoration: 'matching', pattern: 'app/**' },
      untagged: true,
      label: { key: 'keep', value: 'yes' },
    });
    expect(parseRuleSpec('always label=team')).toEqual({ kind: 'always', label: { key: 'team' } });
  });

  it('refuses what it does not understand, in one line', () => {
    expect(() => parseRuleSpec('latestPushed:x')).toThrow(
      '--rule "latestPushed:x": x is not a positive integer',
    );
    expect(() => parseRuleSpec('always:3')).toThrow('always takes no number');
    expect(() => parseRuleSpec('always everything')).toThrow(
      /"everything" is not understood; a rule is KIND/,
    );
  });
});
