import { describe, expect, it } from 'vitest';
import { isTagPattern, tagMatches } from './tag-pattern.js';

describe('tag patterns', () => {
  it('match whole tags: * any run (none included), ? one character, the rest literally', () => {
    expect(tagMatches('v*', 'v1.0')).toBe(true);
    expect(tagMatches('v*', 'v')).toBe(true);
    expect(tagMatches('v*', 'dev-v1')).toBe(false);
    expect(tagMatches('v?.?', 'v1.2')).toBe(true);
    expect(tagMatches('v?.?', 'v1.20')).toBe(false);
    expect(tagMatches('v1.0', 'v1x0')).toBe(false);
    expect(tagMatches('release-*-final', 'release-2024-final')).toBe(true);
    expect(tagMatches('*', 'anything')).toBe(true);
    expect(tagMatches('V*', 'v1')).toBe(false);
  });

  it('are tag characters and the two wildcards', () => {
    for (const ok of ['v*', '*', 'release-?', 'a_b.c-d']) expect(isTagPattern(ok)).toBe(true);
    for (const bad of ['', 'v[0-9]*', 'v/1', 'x'.repeat(129), 'v{1,2}', 'a b'])
      expect(isTagPattern(bad)).toBe(false);
  });
});
