import { describe, expect, it } from 'vitest';
import { matchesAny, wildcardMatch } from './wildcard.js';

describe('wildcardMatch (Kyverno globs)', () => {
  it.each([
    ['registry.internal/*', 'registry.internal/app:1.0', true],
    ['registry.internal/*', 'registry.internal/team/app@sha256:ab', true],
    ['registry.internal/*', 'docker.io/registry.internal/app:1', false],
    ['*/app:*', 'registry.internal/app:1.0', true],
    ['https://github.com/slsa-framework/*', 'https://github.com/slsa-framework/slsa-github-generator', true],
    ['https://github.com/slsa-framework/*', 'https://github.com/other/slsa-github-generator', false],
    ['app:1.?', 'app:1.0', true],
    ['app:1.?', 'app:1.', false],
    ['app:1.?', 'app:1.10', false],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['a**', 'a', true],
    ['exact', 'exact', true],
    ['exact', 'Exact', false],
    ['ünï*', 'ünïcode', true],
  ])('%j matches %j: %s', (pattern, name, expected) => {
    expect(wildcardMatch(pattern, name)).toBe(expected);
  });

  it('matchesAny names the first matching pattern', () => {
    expect(matchesAny(['a/*', 'b/*'], 'b/x')).toBe('b/*');
    expect(matchesAny(['a/*'], 'b/x')).toBeUndefined();
  });
});
