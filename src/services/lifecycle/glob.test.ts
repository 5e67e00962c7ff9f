import { describe, expect, it } from 'vitest';
import type { ImmutabilityRule } from '../../ports/lifecycle-store.js';
import { GlobError, globMatches } from './glob.js';
import { checkSelector, nameInProject, RuleError, ruleFor } from './rules.js';

describe('doublestar globs', () => {
  it.each([
    ['**', ['', 'app', 'a/b/c'], []],
    ['*', ['', 'app'], ['a/b']],
    ['app', ['app'], ['apps', 'x/app']],
    ['app/*', ['app/web', 'app/'], ['app', 'app/web/x']],
    ['app/**', ['app', 'app/web', 'app/web/x'], ['apps', 'x/app']],
    ['**/app', ['app', 'x/app', 'x/y/app'], ['xapp', 'app/x']],
    ['a/**/b', ['a/b', 'a/x/b', 'a/x/y/b'], ['ab', 'a/xb']],
    ['x**', ['x', 'x/y', 'xyz'], ['y']],
    ['v?', ['v1', 'v2'], ['v', 'v10', 'v/']],
    ['v*.*', ['v1.0', 'v1.2.3'], ['v1', '1.0']],
    ['{app,web}', ['app', 'web'], ['api', 'app,web']],
    ['{v1.*,release-{a,b}}', ['v1.2', 'release-a', 'release-b'], ['release-c', 'v2.0']],
    ['1.0', ['1.0'], ['1x0']],
    ['a-b_c', ['a-b_c'], ['a-b-c']],
  ])('%s', (pattern, yes, no) => {
    for (const name of yes) expect(globMatches(pattern, name), `${pattern} ~ ${name}`).toBe(true);
    for (const name of no) expect(globMatches(pattern, name), `${pattern} !~ ${name}`).toBe(false);
  });

  it('refuses unbalanced braces and stray commas', () => {
    for (const bad of ['{a,b', 'a}', 'a,b']) expect(() => globMatches(bad, 'a')).toThrow(GlobError);
  });
});

describe('immutability rules', () => {
  const rule = (id: number, repositories: string, tags: string, excluding: 'repo' | 'tag' | '' = '') =>
    ({
      id,
      project: 'team',
      repositories: { decoration: excluding === 'repo' ? 'excluding' : 'matching', pattern: repositories },
      tags: { decoration: excluding === 'tag' ? 'excluding' : 'matching', pattern: tags },
      createdAt: new Date(0),
    }) satisfies ImmutabilityRule;

  it('selects by repository (without the project) and tag, exclusions inverted, first rule wins', () => {
    const rules = [
      rule(1, 'app/**', 'v*'),
      rule(2, 'tools/*', 'latest', 'tag'),
      rule(3, 'legacy', '**', 'repo'),
    ];
    expect(ruleFor(rules, 'app', 'v1.0')?.id).toBe(1);
    expect(ruleFor(rules, 'app/api', 'v2')?.id).toBe(1);
    expect(ruleFor(rules, 'tools/x', 'v1')?.id).toBe(2);
    expect(ruleFor(rules, 'tools/x', 'latest')?.id).toBe(3);
    expect(ruleFor(rules, 'legacy', 'latest')).toBeUndefined();
    expect(ruleFor(rules, 'legacy', 'v1')).toBeUndefined();
    expect(ruleFor(rules, 'other', 'v1')?.id).toBe(3);
    expect(ruleFor([rule(1, 'app', '**')], 'other', 'v1')).toBeUndefined();
  });

  it("names repositories inside their project ('' for the project's own)", () => {
    expect(nameInProject('team', 'team/app/api')).toBe('app/api');
    expect(nameInProject('team', 'team')).toBe('');
  });

  it('checks patterns: length, characters of names, glob syntax', () => {
    expect(() => checkSelector('tags', { decoration: 'matching', pattern: 'v{1,2}.*' })).not.toThrow();
    expect(() => checkSelector('repositories', { decoration: 'matching', pattern: 'a/**' })).not.toThrow();
    for (const [field, pattern] of [
      ['tags', ''],
      ['tags', 'a/b'],
      ['repositories', 'App'],
      ['tags', '{a'],
      ['tags', 'x'.repeat(257)],
    ] as const) {
      expect(() => checkSelector(field, { decoration: 'matching', pattern })).toThrow(RuleError);
    }
  });
});
