import { describe, expect, it } from 'vitest';
import { isSupplyChainError } from './errors.js';
import { parseSimpleSigning, simpleSigningPayload } from './simple-signing.js';

const digest = `sha256:${'ab'.repeat(32)}`;

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (err) {
    return isSupplyChainError(err) ? err.code : 'other';
  }
}

describe('simpleSigningPayload', () => {
  it('writes the bytes cosign signs, with "optional":null when there are no annotations', () => {
    const bytes = simpleSigningPayload({ dockerReference: 'registry.example/team/app', digest });
    expect(bytes.toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"registry.example/team/app"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(simpleSigningPayload({ dockerReference: 'r/a', digest, annotations: {} }).toString()).toContain(
      '"optional":null}',
    );
  });

  it('sorts annotation keys and escapes HTML characters, as Go does', () => {
    const bytes = simpleSigningPayload({
      dockerReference: 'r/a',
      digest,
      annotations: { zeta: 'z', alpha: 'a<b>&c', nested: { y: 1, x: [true, null] } },
    });
    expect(bytes.toString()).toMatch(
      /"optional":\{"alpha":"a\\u003cb\\u003e\\u0026c","nested":\{"x":\[true,null\],"y":1\},"zeta":"z"\}\}$/,
    );
  });

  it('refuses a bad digest or repository', () => {
    expect(codeOf(() => simpleSigningPayload({ dockerReference: 'r/a', digest: 'sha256:abc' }))).toBe(
      'PAYLOAD_INVALID',
    );
    expect(codeOf(() => simpleSigningPayload({ dockerReference: 'r/a:tag@x', digest }))).toBe(
      'PAYLOAD_INVALID',
    );
    expect(codeOf(() => simpleSigningPayload({ dockerReference: '', digest }))).toBe('PAYLOAD_INVALID');
  });
});

describe('parseSimpleSigning', () => {
  it('reads what simpleSigningPayload writes', () => {
    const bytes = simpleSigningPayload({ dockerReference: 'r/a', digest, annotations: { k: 'v' } });
    expect(parseSimpleSigning(bytes)).toEqual({
      dockerReference: 'r/a',
      digest,
      type: 'cosign container image signature',
      annotations: { k: 'v' },
    });
  });

  it('reads any field order and a missing optional', () => {
    const doc = `{"critical":{"type":"t","image":{"docker-manifest-digest":"${digest}"},"identity":{"docker-reference":"x/y"}}}`;
    expect(parseSimpleSigning(Buffer.from(doc))).toEqual({
      dockerReference: 'x/y',
      digest,
      type: 't',
      annotations: null,
    });
  });

  it.each([
    ['not JSON', 'nope'],
    ['no critical', '{"optional":null}'],
    ['no digest', '{"critical":{"identity":{"docker-reference":"a"},"image":{},"type":"t"}}'],
    ['no identity', `{"critical":{"image":{"docker-manifest-digest":"${digest}"},"type":"t"}}`],
    [
      'optional not an object',
      `{"critical":{"identity":{"docker-reference":"a"},"image":{"docker-manifest-digest":"${digest}"},"type":"t"},"optional":"x"}`,
    ],
  ])('refuses %s', (_, doc) => {
    expect(codeOf(() => parseSimpleSigning(Buffer.from(doc)))).toBe('PAYLOAD_INVALID');
  });
});
