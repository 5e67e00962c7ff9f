import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KEY_A, KEY_B, keySet, policyDoc } from '../../../test/admission/support.js';
import { PolicyError, parsePolicies } from './policy.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/admission/${name}`, import.meta.url), 'utf8');

function problems(doc: unknown): string[] {
  try {
    parsePolicies(typeof doc === 'string' ? doc : stringify(doc), 'p.yaml');
  } catch (err) {
    if (err instanceof PolicyError) return [...err.problems];
    throw err;
  }
  return [];
}

const vi = (extra: Record<string, unknown> = {}) => ({ imageReferences: ['registry.internal/*'], ...extra });
const withVi = (extra: Record<string, unknown>) => policyDoc([vi(extra)]);

describe('parsePolicies', () => {
  it('reads the corrected seed policy into typed rules', () => {
    const [p] = parsePolicies(fixture('verify-slsa-provenance.yaml'), 'fixture');
    expect(p?.name).toBe('verify-slsa-provenance');
    expect(p?.validationFailureAction).toBe('Enforce');
    const v = p?.rules[0]?.verifyImages[0];
    expect(v).toMatchObject({
      imageReferences: ['registry.internal/*'],
      mutateDigest: true,
      verifyDigest: true,
      required: true,
      attestations: [{ type: 'https://slsa.dev/provenance/v1', attestors: [] }],
    });
    expect(v?.attestors[0]?.entries[0]).toMatchObject({ kind: 'key', rekor: { ignoreTlog: true } });
    expect(v?.attestations[0]?.conditions[0]?.all?.[0]).toMatchObject({
      key: '{{ buildDefinition.buildType }}',
      operator: 'Equals',
      value: 'https://github.com/slsa-framework/*',
    });
  });

  it('parses the seed policy as written: keyless entries are kept (and refused later)', () => {
    const [p] = parsePolicies(fixture('seed-verify-slsa-provenance.yaml'));
    expect(p?.rules[0]?.verifyImages[0]?.attestors[0]?.entries[0]).toEqual({
      kind: 'keyless',
      path: 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless',
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'https://github.com/myorg/*',
      rekorUrl: 'https://rekor.sigstore.dev',
    });
  });

  it('applies Kyverno defaults', () => {
    const doc = policyDoc([vi()]);
    delete (doc.spec as Record<string, unknown>).validationFailureAction;
    const [p] = parsePolicies(stringify(doc));
    expect(p?.validationFailureAction).toBe('Audit');
    expect(p?.autogenControllers).toContain('CronJob');
  });

  it('reads several documents, skipping empty ones', () => {
    const one = stringify(policyDoc([vi()], { name: 'a' }));
    const two = stringify(policyDoc([vi()], { name: 'b', action: 'Audit' }));
    const ps = parsePolicies(`${one}---\n---\n${two}`);
    expect(ps.map((p) => [p.name, p.validationFailureAction])).toEqual([
      ['a', 'Enforce'],
      ['b', 'Audit'],
    ]);
  });

  it('expands a publicKeys with several PEM blocks into one entry per key', () => {
    const [p] = parsePolicies(
      stringify(withVi({ attestors: [{ count: 1, entries: [{ keys: { publicKeys: KEY_A + KEY_B } }] }] })),
    );
    const set = p?.rules[0]?.verifyImages[0]?.attestors[0];
    expect(set?.count).toBe(1);
    expect(set?.entries.map((e) => e.path)).toEqual([
      'spec.rules[0].verifyImages[0].attestors[0].entries[0].keys[0]',
      'spec.rules[0].verifyImages[0].attestors[0].entries[0].keys[1]',
    ]);
  });

  it.each<[string, unknown, string]>([
    [
      'unknown field, with its line',
      withVi({ imageReference: ['x'] }),
      'p.yaml:17: spec.rules[0].verifyImages[0].imageReference: unknown field',
    ],
    [
      'Notary',
      withVi({ type: 'Notary' }),
      'verifyImages[0].type: only Cosign signatures are supported, not Notary',
    ],
    [
      'certificates',
      withVi({ attestors: [{ entries: [{ certificates: { cert: 'x' } }] }] }),
      'certificates: not supported: certificate attestors',
    ],
    [
      'keys from a Secret',
      withVi({ attestors: [{ entries: [{ keys: { secret: { name: 'k' } } }] }] }),
      'keys.secret: not supported: keys in Kubernetes Secrets',
    ],
    [
      'kms',
      withVi({ attestors: [{ entries: [{ keys: { kms: 'awskms:///x' } }] }] }),
      'keys.kms: not supported: KMS keys need network access',
    ],
    [
      'not a PEM',
      withVi({ attestors: [{ entries: [{ keys: { publicKeys: 'k8s://ns/key' } }] }] }),
      'expected PEM "PUBLIC KEY" blocks',
    ],
    [
      'a broken key',
      withVi({
        attestors: [
          {
            entries: [{ keys: { publicKeys: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' } }],
          },
        ],
      }),
      'key 1 is not a valid public key',
    ],
    [
      'count above entries',
      withVi({ attestors: [keySet([KEY_A], 2)] }),
      'attestors[0].count: 2 entries must verify but only 1 are listed',
    ],
    [
      'two kinds in one entry',
      withVi({ attestors: [{ entries: [{ keys: { publicKeys: KEY_A }, keyless: {} }] }] }),
      'needs exactly one of keys, keyless or attestor (has keys, keyless)',
    ],
    [
      'signatureAlgorithm',
      withVi({ attestors: [{ entries: [{ keys: { publicKeys: KEY_A, signatureAlgorithm: 'sha512' } }] }] }),
      'only sha256 is supported',
    ],
    ['missing type', withVi({ attestations: [{ conditions: [] }] }), 'attestations[0].type: required'],
    [
      'Duration operator',
      withVi({
        attestations: [
          { type: 't', conditions: [{ all: [{ key: 'a', operator: 'DurationGreaterThan', value: '1h' }] }] },
        ],
      }),
      'Duration operators are not supported',
    ],
    [
      'unknown operator',
      withVi({
        attestations: [{ type: 't', conditions: [{ all: [{ key: 'a', operator: 'Matches', value: 'x' }] }] }],
      }),
      'unknown operator "Matches"',
    ],
    [
      'empty block',
      withVi({ attestations: [{ type: 't', conditions: [{}] }] }),
      'conditions[0]: needs any or all',
    ],
    [
      'deprecated fields',
      withVi({ key: 'x' }),
      'verifyImages[0].key: not supported: a pre-1.7 Kyverno field',
    ],
    ['repository', withVi({ repository: 'other/sigs' }), 'not supported: signatures in another repository'],
    [
      'no imageReferences',
      policyDoc([{ attestors: [keySet([KEY_A])] }]),
      'verifyImages[0].imageReferences: required',
    ],
    [
      'validate rule',
      {
        ...policyDoc([vi()]),
        spec: { rules: [{ name: 'x', match: { resources: { kinds: ['Pod'] } }, validate: {} }] },
      },
      'rules[0].validate: not supported: only verifyImages rules',
    ],
    [
      'preconditions',
      {
        ...policyDoc([vi()]),
        spec: {
          rules: [
            { name: 'x', match: { resources: { kinds: ['Pod'] } }, preconditions: {}, verifyImages: [vi()] },
          ],
        },
      },
      'preconditions: not supported',
    ],
    [
      'selector',
      policyDoc([vi()], { match: { any: [{ resources: { kinds: ['Pod'], selector: {} } }] } }),
      'resources.selector: not supported: label selectors',
    ],
    [
      'subjects',
      policyDoc([vi()], { match: { any: [{ subjects: [] }] } }),
      'match.any[0].subjects: not supported: matching on the requesting user',
    ],
    [
      'bad action',
      { ...policyDoc([vi()]), spec: { validationFailureAction: 'Enforcing', rules: [] } },
      'spec.validationFailureAction: expected Enforce or Audit, got "Enforcing"',
    ],
    [
      'bad autogen',
      policyDoc([vi()], { annotations: { 'pod-policies.kyverno.io/autogen-controllers': 'Deployment,Pod' } }),
      'unknown controller "Pod"',
    ],
    [
      'namespaced Policy',
      { ...policyDoc([vi()]), kind: 'Policy' },
      'kind: namespaced Policy is not supported',
    ],
    [
      'wrong apiVersion',
      { ...policyDoc([vi()]), apiVersion: 'kyverno.io/v9' },
      'apiVersion: expected kyverno.io/v1',
    ],
    [
      'no match',
      { ...policyDoc([vi()]), spec: { rules: [{ name: 'x', verifyImages: [vi()] }] } },
      'rules[0].match: expected an object',
    ],
    ['YAML syntax', 'spec: [unclosed', 'p.yaml:1:'],
    ['nothing at all', '', 'no ClusterPolicy document'],
  ])('refuses %s', (_name, doc, expected) => {
    const found = problems(doc);
    expect(found.join('\n')).toContain(expected);
  });

  it('reports every problem, not just the first', () => {
    const found = problems(withVi({ foo: 1, bar: 2, mutateDigest: 'yes' }));
    expect(found).toHaveLength(3);
    expect(found[2]).toContain('mutateDigest: expected true or false, got string "yes"');
  });
});
