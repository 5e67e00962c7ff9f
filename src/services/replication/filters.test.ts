import { describe, expect, it } from 'vitest';
import {
  attachmentSubject,
  globMatches,
  inProject,
  isAttachmentTag,
  isGlob,
  labelsMatch,
  literalNames,
  tagMatches,
} from './filters.js';

describe('globMatches', () => {
  it.each([
    ['platform/*', 'platform/api', true],
    ['platform/*', 'platform/api/v2', false],
    ['platform/**', 'platform/api/v2', true],
    ['platform/**', 'platform', true],
    ['platform/**', 'platforms', false],
    ['**/api', 'a/b/api', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['v*', 'v1.2.3', true],
    ['v*', 'latest', false],
    ['v?', 'v1', true],
    ['v?', 'v10', false],
    ['{v1,v2}', 'v2', true],
    ['{v1,v2}', 'v3', false],
    ['lib/{alpine,busy*}', 'lib/busybox', true],
    ['1.2.*', '1.2.3', true],
    ['1.2.*', '1x2.3', false],
    ['a+b', 'a+b', true],
    ['(x)', '(x)', true],
    ['*', '', true],
  ])('%s ~ %s → %s', (pattern, name, want) => expect(globMatches(pattern, name)).toBe(want));
});

describe('literalNames', () => {
  it('expands braces without wildcards, and gives up on wildcards', () => {
    expect(literalNames('library/alpine')).toEqual(['library/alpine']);
    expect(literalNames('library/{alpine,busybox}')).toEqual(['library/alpine', 'library/busybox']);
    expect(literalNames('{a,b}/{c,d}')).toEqual(['a/c', 'a/d', 'b/c', 'b/d']);
    expect(literalNames('library/*')).toBeUndefined();
    expect(literalNames('a/{b,c?}')).toBeUndefined();
  });
});

describe('attachment tags', () => {
  const hex = 'ab'.repeat(32);
  it('are never artifacts of their own; their subject is in their name', () => {
    for (const tag of [`sha256-${hex}`, `sha256-${hex}.sig`, `sha256-${hex}.att`, `sha256-${hex}.sbom`]) {
      expect(isAttachmentTag(tag)).toBe(true);
      expect(tagMatches({}, tag)).toBe(false);
      expect(attachmentSubject(tag)).toBe(`sha256:${hex}`);
    }
    expect(isAttachmentTag('v1.sig')).toBe(false);
    expect(attachmentSubject('v1')).toBeUndefined();
    expect(tagMatches({ tag: 'v*' }, 'v1')).toBe(true);
  });
});

describe('labels, projects and pattern checks', () => {
  it('matches `key` and `key=value`', () => {
    expect(labelsMatch('approved', { approved: 'no' })).toBe(true);
    expect(labelsMatch('approved=yes', { approved: 'no' })).toBe(false);
    expect(labelsMatch('approved=yes', { approved: 'yes' })).toBe(true);
    expect(labelsMatch('env=a=b', { env: 'a=b' })).toBe(true);
    expect(labelsMatch('approved', {})).toBe(false);
  });

  it('scopes by project', () => {
    expect(inProject(null, 'anything')).toBe(true);
    expect(inProject('platform', 'platform')).toBe(true);
    expect(inProject('platform', 'platform/api')).toBe(true);
    expect(inProject('platform', 'platform-x/api')).toBe(false);
  });

  it('refuses unbalanced braces and control characters', () => {
    expect(isGlob('a/{b,c}')).toBe(true);
    expect(isGlob('a/{b')).toBe(false);
    expect(isGlob('a}')).toBe(false);
    expect(isGlob('a,b')).toBe(false);
    expect(isGlob('a\nb')).toBe(false);
    expect(isGlob('')).toBe(false);
  });
});
