import { describe, expect, it } from 'vitest';
import { isSupplyChainError } from './errors.js';
import { makeStatement, parseStatement, predicateTypeFor } from './statement.js';

const hex = 'cd'.repeat(32);

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (err) {
    return isSupplyChainError(err) ? err.code : 'other';
  }
}

describe('makeStatement', () => {
  it('emits a v1 Statement with only spec fields', () => {
    const s = makeStatement({
      subjects: [{ name: 'registry.example/app', digest: { sha256: hex } }, { digest: { sha256: hex } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { a: 1 },
    });
    expect(JSON.stringify(s)).toBe(
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"registry.example/app","digest":{"sha256":"${hex}"}},{"digest":{"sha256":"${hex}"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"a":1}}`,
    );
  });

  it('drops stray subject fields and keeps annotations', () => {
    const subject = { digest: { sha256: hex, extra: 'x' }, annotations: { k: 'v' }, junk: 1 };
    const s = makeStatement({ subjects: [subject], predicateType: 'https://x.example/p', predicate: {} });
    expect(s.subject).toEqual([{ digest: { sha256: hex }, annotations: { k: 'v' } }]);
  });

  it('refuses no subjects, non-hex digests and non-URI predicate types', () => {
    const ok = {
      subjects: [{ digest: { sha256: hex } }],
      predicateType: 'https://x.example/p',
      predicate: {},
    };
    expect(codeOf(() => makeStatement({ ...ok, subjects: [] }))).toBe('STATEMENT_INVALID');
    expect(codeOf(() => makeStatement({ ...ok, subjects: [{ digest: { sha256: `sha256:${hex}` } }] }))).toBe(
      'STATEMENT_INVALID',
    );
    expect(codeOf(() => makeStatement({ ...ok, predicateType: 'slsa' }))).toBe('STATEMENT_INVALID');
  });
});

describe('parseStatement', () => {
  it('reads v1 and v0.1, ignoring unknown fields', () => {
    for (const type of ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']) {
      const doc = {
        _type: type,
        subject: [{ name: 'n', digest: { sha256: hex }, x: 1 }],
        predicateType: 'p',
        extra: 2,
      };
      expect(parseStatement(Buffer.from(JSON.stringify(doc)))).toEqual({
        _type: type,
        subject: [{ name: 'n', digest: { sha256: hex } }],
        predicateType: 'p',
      });
    }
  });

  it('round-trips makeStatement', () => {
    const s = makeStatement({
      subjects: [{ digest: { sha256: hex } }],
      predicateType: 'https://p.example',
      predicate: {},
    });
    expect(parseStatement(Buffer.from(JSON.stringify(s)))).toEqual(s);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    [
      'an unknown _type',
      '{"_type":"https://in-toto.io/Statement/v2","subject":[{"digest":{}}],"predicateType":"p"}',
    ],
    ['no subject', '{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p"}'],
    [
      'a subject without digest',
      '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"n"}],"predicateType":"p"}',
    ],
    [
      'a non-string digest',
      '{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":1}}],"predicateType":"p"}',
    ],
    ['no predicateType', '{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{}}]}'],
    [
      'a non-object predicate',
      '{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{}}],"predicateType":"p","predicate":1}',
    ],
  ])('refuses %s', (_, doc) => {
    expect(codeOf(() => parseStatement(Buffer.from(doc)))).toBe('STATEMENT_INVALID');
  });
});

describe('predicateTypeFor', () => {
  it.each([
    ['custom', 'https://cosign.sigstore.dev/attestation/v1'],
    ['slsaprovenance', 'https://slsa.dev/provenance/v0.2'],
    ['slsaprovenance02', 'https://slsa.dev/provenance/v0.2'],
    ['slsaprovenance1', 'https://slsa.dev/provenance/v1'],
    ['spdx', 'https://spdx.dev/Document'],
    ['spdxjson', 'https://spdx.dev/Document'],
    ['cyclonedx', 'https://cyclonedx.org/bom'],
    ['link', 'https://in-toto.io/Link/v1'],
    ['vuln', 'https://cosign.sigstore.dev/attestation/vuln/v1'],
    ['https://example.com/my/v1', 'https://example.com/my/v1'],
  ])('%s → %s', (name, uri) => {
    expect(predicateTypeFor(name)).toBe(uri);
  });

  it('refuses other strings (including inherited property names)', () => {
    expect(codeOf(() => predicateTypeFor('sbom'))).toBe('STATEMENT_INVALID');
    expect(codeOf(() => predicateTypeFor('toString'))).toBe('STATEMENT_INVALID');
  });
});
