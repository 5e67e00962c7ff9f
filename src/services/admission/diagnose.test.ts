import { readFileSync } from 'node:fs';
import { compile } from '@jmespath-community/jmespath';
import { describe, expect, it } from 'vitest';
import { KEY_A, keySet, policy } from '../../../test/admission/support.js';
import { diagnose, KEYLESS_REFUSAL, rootPaths } from './diagnose.js';
import { parsePolicies } from './policy.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/admission/${name}`, import.meta.url), 'utf8');

const on = (type: string, key: string, extra: Record<string, unknown> = {}) =>
  policy({
    imageReferences: ['*'],
    attestors: [keySet([KEY_A])],
    attestations: [{ type, conditions: [{ all: [{ key, operator: 'Equals', value: 'x' }] }] }],
    ...extra,
  });

const errors = (p: ReturnType<typeof policy>) =>
  diagnose(p)
    .filter((d) => d.severity === 'error')
    .map((d) => d.message);

describe('diagnose', () => {
  it('explains the seed trap: buildDefinition under slsaprovenance (v0.2) never matches', () => {
    const [seed] = parsePolicies(fixture('seed-verify-slsa-provenance.yaml'));
    if (!seed) throw new Error('no policy');
    const found = diagnose(seed);
    const trap = found.find((d) => d.path.endsWith('conditions[0].all[0]'));
    expect(trap?.severity).toBe('error');
    expect(trap?.message).toContain(
      '{{ buildDefinition.buildType }} can never match under type slsaprovenance',
    );
    expect(trap?.message).toContain('Fix: write `type: https://slsa.dev/provenance/v1`');
    const short = found.find((d) => d.path.endsWith('attestations[0].type'));
    expect(short?.message).toContain("cosign's short name for https://slsa.dev/provenance/v0.2");
    expect(short?.message).toContain('Fix: write `type: https://slsa.dev/provenance/v1`');
    expect(found.find((d) => d.path.endsWith('keyless'))?.message).toContain(KEYLESS_REFUSAL);
  });

  it('finds nothing wrong with the corrected policy', () => {
    const [fixed] = parsePolicies(fixture('verify-slsa-provenance.yaml'));
    if (!fixed) throw new Error('no policy');
    expect(errors(fixed)).toEqual([]);
  });

  it.each([
    [
      'https://slsa.dev/provenance/v0.2',
      '{{ runDetails.builder.id }}',
      'can never match under type https://slsa.dev/provenance/v0.2',
    ],
    ['slsaprovenance02', '{{ buildDefinition.externalParameters }}', 'can never match'],
    [
      'https://slsa.dev/provenance/v1',
      '{{ buildType }}',
      'v1 moved to buildDefinition.buildType. Fix: write {{ buildDefinition.buildType }}',
    ],
    ['https://slsa.dev/provenance/v1', '{{ builder.id }}', 'Fix: write {{ runDetails.builder.id }}'],
    ['https://slsa.dev/provenance/v1', '{{ materials[0].uri }}', 'buildDefinition.resolvedDependencies'],
    [
      'https://slsa.dev/provenance/v1',
      "{{ contains(invocation.parameters, 'x') }}",
      'buildDefinition.externalParameters',
    ],
    ['slsaprovenance1', '{{ buildDefinition.buildType }}', 'short name for https://slsa.dev/provenance/v1'],
    ['spdx', '{{ name }}', 'Fix: write `type: https://spdx.dev/Document`'],
    ['https://slsa.dev/provenance/v1', '{{ a..b }}', 'is not valid JMESPath'],
  ])('%s with %s', (type, key, message) => {
    expect(errors(on(type, key)).join('\n')).toContain(message);
  });

  it.each([
    ['https://slsa.dev/provenance/v1', '{{ buildDefinition.buildType }}'],
    ['https://slsa.dev/provenance/v0.2', '{{ buildType }}'],
    ['https://example.com/custom', '{{ buildDefinition.buildType }}'],
  ])('accepts %s with %s', (type, key) => {
    expect(errors(on(type, key))).toEqual([]);
  });

  it('notes what is not checked offline', () => {
    const p = policy({
      imageReferences: ['*'],
      verifyDigest: true,
      mutateDigest: false,
      attestors: [
        { entries: [{ keys: { publicKeys: KEY_A, rekor: { url: 'https://rekor.sigstore.dev' } } }] },
      ],
    });
    const found = diagnose(p).map((d) => `${d.severity}: ${d.message}`);
    expect(found).toContain(
      'info: the transparency log (https://rekor.sigstore.dev) is not consulted offline; signatures are checked against the key',
    );
    expect(found.join('\n')).toContain('warning: images given by tag are denied at validation');
  });

  it.each([
    ['buildDefinition.buildType', ['buildDefinition.buildType']],
    ['@.runDetails.builder', ['runDetails.builder']],
    ["contains(a.b, 'x') && c[0].d", ['a.b', 'c']],
    ['{x: a.b, y: [c, d.e]}', ['a.b', 'c', 'd.e']],
    ['a[?b == `1`].c | d', ['a']],
    ['!a.b', ['a']],
  ])('reads the root fields of %s', (expr, expected) => {
    expect(rootPaths(compile(expr))).toEqual(expected);
  });
});
