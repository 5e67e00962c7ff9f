import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cosignTag, EMPTY_JSON_DIGEST } from './media.js';

const hex = 'a'.repeat(64);

describe('cosignTag', () => {
  it.each(['sig', 'att', 'sbom'] as const)('sha256:<hex> → sha256-<hex>.%s', (kind) => {
    expect(cosignTag(`sha256:${hex}`, kind)).toBe(`sha256-${hex}.${kind}`);
  });

  it('refuses what is not a digest', () => {
    expect(() => cosignTag('latest', 'sig')).toThrow(TypeError);
    expect(() => cosignTag(`sha256:${'A'.repeat(64)}`, 'sig')).toThrow(TypeError);
  });
});

describe('constants', () => {
  it('EMPTY_JSON_DIGEST is the digest of {}', () => {
    expect(`sha256:${createHash('sha256').update('{}').digest('hex')}`).toBe(EMPTY_JSON_DIGEST);
  });
});
