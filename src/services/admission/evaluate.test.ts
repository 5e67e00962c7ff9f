import { describe, expect, it } from 'vitest';
import {
  create,
  deployment,
  digest,
  engine,
  GENERATOR,
  KEY_A,
  KEY_B,
  KEY_C,
  keySet,
  type PolicyOptions,
  pod,
  policy,
  provenanceV1,
  SLSA_V1,
  statement,
} from '../../../test/admission/support.js';
import { KEYLESS_REFUSAL } from './diagnose.js';
import { AdmissionEngine } from './engine.js';
import type { Phase } from './explain.js';
import type { AdmissionRequest } from './review.js';
import type { StaticImage } from './static-verifier.js';

const IMG = 'registry.internal/app:1.0';
const D = digest('a');
const PINNED = `${IMG}@${D}`;
const good = statement(SLSA_V1, provenanceV1(GENERATOR));
const other = statement(SLSA_V1, provenanceV1('https://example.com/buildtypes/make@v1'));
const v02 = statement('https://slsa.dev/provenance/v0.2', { buildType: GENERATOR, builder: { id: 'x' } });

const signedBy = (signed: boolean | readonly string[], extra: StaticImage = {}) => ({
  [IMG]: { digest: D, signed, ...extra },
});
const refs = { imageReferences: ['registry.internal/*'] };
const withKeys = (sets: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
  ...refs,
  attestors: sets,
  ...extra,
});
const provenance = (conditionValue: string, extra: Record<string, unknown> = {}) => ({
  type: SLSA_V1,
  conditions: [
    { all: [{ key: '{{ buildDefinition.buildType }}', operator: 'Equals', value: conditionValue }] },
  ],
  ...extra,
});
const slsa = withKeys([keySet([KEY_A])], {
  attestations: [provenance('https://github.com/slsa-framework/*')],
});

interface Row {
  name: string;
  vi: Record<string, unknown>;
  opts?: PolicyOptions;
  images: Record<string, StaticImage>;
  resource?: Record<string, unknown>;
  phase?: Phase;
  allowed: boolean;
  /** Expected in the denial message (or, when allowed, in the warnings). */
  says?: string[];
  patches?: { path: string; value: string }[];
}

const PATCH = { path: '/spec/containers/0/image', value: PINNED };

const rows: Row[] = [
  {
    name: 'signed with the key: admitted, tag pinned',
    vi: withKeys([keySet([KEY_A])]),
    images: signedBy([KEY_A]),
    allowed: true,
    patches: [PATCH],
  },
  {
    name: 'unsigned: denied, naming policy, rule and image',
    vi: withKeys([keySet([KEY_A])]),
    images: signedBy(false),
    allowed: false,
    says: ['policy verify rule check: registry.internal/app:1.0', 'no signature on'],
  },
  {
    name: 'signed by another key: denied',
    vi: withKeys([keySet([KEY_A])]),
    images: signedBy([KEY_B]),
    allowed: false,
    says: ['0 of 1 entries verified'],
  },
  {
    name: 'count 2 of 3, two signatures: admitted',
    vi: withKeys([keySet([KEY_A, KEY_B, KEY_C], 2)]),
    images: signedBy([KEY_A, KEY_C]),
    allowed: true,
  },
  {
    name: 'count 2 of 3, one signature: denied',
    vi: withKeys([keySet([KEY_A, KEY_B, KEY_C], 2)]),
    images: signedBy([KEY_B]),
    allowed: false,
    says: ['1 of 2 required (count 2) entries verified'],
  },
  {
    name: 'no count means every entry',
    vi: withKeys([keySet([KEY_A, KEY_B])]),
    images: signedBy([KEY_A]),
    allowed: false,
    says: ['1 of 2 entries verified'],
  },
  {
    name: 'every attestor set must pass',
    vi: withKeys([keySet([KEY_A]), keySet([KEY_B])]),
    images: signedBy([KEY_A]),
    allowed: false,
    says: ['attestors[1]'],
  },
  {
    name: 'two sets, both signed',
    vi: withKeys([keySet([KEY_A]), keySet([KEY_B])]),
    images: signedBy([KEY_A, KEY_B]),
    allowed: true,
  },
  {
    name: 'nested attestor set',
    vi: withKeys([{ entries: [{ attestor: keySet([KEY_A, KEY_B], 1) }] }]),
    images: signedBy([KEY_B]),
    allowed: true,
  },
  {
    name: 'keyless entry is refused',
    vi: withKeys([{ entries: [{ keyless: { issuer: 'https://x', subject: '*' } }] }]),
    images: signedBy(true),
    allowed: false,
    says: [KEYLESS_REFUSAL],
  },
  {
    name: 'keyless alongside a key with count 1: the key suffices',
    vi: withKeys([{ count: 1, entries: [{ keyless: { subject: '*' } }, { keys: { publicKeys: KEY_A } }] }]),
    images: signedBy([KEY_A]),
    allowed: true,
  },
  {
    name: 'Audit: unsigned is admitted with a warning, still pinned',
    vi: withKeys([keySet([KEY_A])]),
    opts: { action: 'Audit' },
    images: signedBy(false),
    allowed: true,
    says: ['(Audit)', 'no signature'],
    patches: [PATCH],
  },
  {
    name: "an entry's failureAction overrides the policy's",
    vi: withKeys([keySet([KEY_A])], { failureAction: 'Audit' }),
    images: signedBy(false),
    allowed: true,
    says: ['(Audit)'],
  },
  {
    name: 'skipImageReferences: admitted with a warning',
    vi: withKeys([keySet([KEY_A])], { skipImageReferences: ['registry.internal/app:*'] }),
    images: {},
    allowed: true,
    says: ['skipImageReferences "registry.internal/app:*"'],
  },
  {
    name: 'outside imageReferences: not checked',
    vi: { imageReferences: ['ghcr.io/*'], attestors: [keySet([KEY_A])] },
    images: {},
    allowed: true,
    patches: [],
  },
  {
    name: 'pinned image: verified, not patched',
    vi: withKeys([keySet([KEY_A])]),
    images: { [PINNED]: { signed: true } },
    resource: pod([PINNED]),
    allowed: true,
    patches: [],
  },
  {
    name: 'mutateDigest false: not patched',
    vi: withKeys([keySet([KEY_A])], { mutateDigest: false }),
    images: signedBy(true),
    allowed: true,
    patches: [],
  },
  {
    name: 'mutateDigest alone pins without verifying',
    vi: refs,
    images: signedBy(false),
    allowed: true,
    patches: [PATCH],
  },
  {
    name: 'a tag that cannot be resolved: denied',
    vi: withKeys([keySet([KEY_A])]),
    images: {},
    allowed: false,
    says: ['cannot resolve registry.internal/app:1.0'],
  },
  {
    name: 'validate: a tag fails verifyDigest',
    vi: withKeys([keySet([KEY_A])]),
    images: signedBy(true),
    phase: 'validate',
    allowed: false,
    says: ['missing digest for registry.internal/app:1.0'],
  },
  {
    name: 'validate: verifyDigest false re-verifies the tag',
    vi: withKeys([keySet([KEY_A])], { verifyDigest: false }),
    images: signedBy(false),
    phase: 'validate',
    allowed: false,
    says: ['no signature'],
  },
  {
    name: 'validate: a pinned image is re-verified (required)',
    vi: withKeys([keySet([KEY_A])]),
    images: {},
    resource: pod([PINNED]),
    phase: 'validate',
    allowed: false,
    says: ['no signature'],
  },
  {
    name: 'validate: required false trusts the mutating webhook',
    vi: withKeys([keySet([KEY_A])], { required: false }),
    images: {},
    resource: pod([PINNED]),
    phase: 'validate',
    allowed: true,
  },
  {
    name: 'validate never patches',
    vi: withKeys([keySet([KEY_A])], { verifyDigest: false }),
    images: signedBy(true),
    phase: 'validate',
    allowed: true,
    patches: [],
  },
  {
    name: 'provenance from the generator: admitted',
    vi: slsa,
    images: signedBy(true, { statements: [good] }),
    allowed: true,
    patches: [PATCH],
  },
  {
    name: 'provenance from another builder: denied, naming the condition',
    vi: slsa,
    images: signedBy(true, { statements: [other] }),
    allowed: false,
    says: [
      'attestations[0].conditions[0].all[0]: Equals: "https://example.com/buildtypes/make@v1" does not match',
    ],
  },
  {
    name: 'every statement of the type must pass',
    vi: slsa,
    images: signedBy(true, { statements: [good, other] }),
    allowed: false,
    says: ['"https://example.com/buildtypes/make@v1" does not match'],
  },
  {
    name: 'no statement of the type: denied, saying what was found',
    vi: slsa,
    images: signedBy(true, { statements: [v02] }),
    allowed: false,
    says: [
      'no attestation with predicateType https://slsa.dev/provenance/v1 verifies with this key; found https://slsa.dev/provenance/v0.2',
    ],
  },
  {
    name: "an attestation's own attestors",
    vi: {
      ...refs,
      attestations: [provenance('https://github.com/slsa-framework/*', { attestors: [keySet([KEY_B])] })],
    },
    images: signedBy(false, { statements: [good], attestedBy: [KEY_B] }),
    allowed: true,
  },
  {
    name: 'statements signed by another key are not seen',
    vi: {
      ...refs,
      attestations: [provenance('https://github.com/slsa-framework/*', { attestors: [keySet([KEY_B])] })],
    },
    images: signedBy(false, { statements: [good], attestedBy: [KEY_A] }),
    allowed: false,
    says: ['no attestation with predicateType'],
  },
  {
    name: 'an attestation without any attestors is refused (Kyverno: keyless)',
    vi: { ...refs, attestations: [provenance('*')] },
    images: signedBy(true, { statements: [good] }),
    allowed: false,
    says: [`Kyverno would verify it keyless; ${KEYLESS_REFUSAL}`],
  },
  {
    name: 'Deployment: the autogen rule, pinned in the template',
    vi: withKeys([keySet([KEY_A])]),
    images: signedBy(true),
    resource: deployment([IMG]),
    allowed: true,
    patches: [{ path: '/spec/template/spec/containers/0/image', value: PINNED }],
  },
  {
    name: 'Deployment unsigned: denied by autogen-check',
    vi: withKeys([keySet([KEY_A])]),
    images: signedBy(false),
    resource: deployment([IMG]),
    allowed: false,
    says: ['rule autogen-check:'],
  },
  {
    name: 'CronJob unsigned: denied by autogen-cronjob-check',
    vi: withKeys([keySet([KEY_A])]),
    images: signedBy(false),
    resource: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'x', image: IMG }] } } } } },
    },
    allowed: false,
    says: ['rule autogen-cronjob-check:'],
  },
  {
    name: 'init and ephemeral containers are pinned at their own paths',
    vi: withKeys([keySet([KEY_A])]),
    images: signedBy(true),
    resource: pod([], {
      initContainers: [{ name: 'i', image: IMG }],
      ephemeralContainers: [{ name: 'e', image: IMG }],
    }),
    allowed: true,
    patches: [
      { path: '/spec/initContainers/0/image', value: PINNED },
      { path: '/spec/ephemeralContainers/0/image', value: PINNED },
    ],
  },
  {
    name: 'a malformed image in scope of a rule is denied',
    vi: withKeys([keySet([KEY_A])]),
    images: {},
    resource: pod(['Not An Image']),
    allowed: false,
    says: ['invalid image reference'],
  },
  {
    name: 'kinds without images pass',
    vi: withKeys([keySet([KEY_A])]),
    opts: { kinds: ['ConfigMap'] },
    images: {},
    resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    allowed: true,
  },
];

describe('evaluateRequest', () => {
  it.each(rows)('$name', async (row) => {
    const e = engine([policy(row.vi, row.opts)], row.images);
    const d = await e.evaluate(create(row.resource ?? pod([IMG])), row.phase ?? 'mutate');
    expect(d.allowed, d.message).toBe(row.allowed);
    const text = row.allowed ? d.warnings.join('\n') : d.message;
    for (const s of row.says ?? []) expect(text).toContain(s);
    if (row.allowed && !row.says) expect(d.warnings).toEqual([]);
    if (row.patches) expect(d.patches.map(({ path, value }) => ({ path, value }))).toEqual(row.patches);
  });

  const update = (image: string, old: string): AdmissionRequest => ({
    ...create(pod([image])),
    operation: 'UPDATE',
    oldObject: pod([old]),
  });

  it('on UPDATE, images unchanged from oldObject are skipped; changed ones are verified', async () => {
    const e = engine([policy(withKeys([keySet([KEY_A])]))], signedBy(false));
    const same = await e.evaluate(update(IMG, IMG), 'mutate');
    expect(same.allowed).toBe(true);
    expect(same.policies[0]?.rules[0]?.images[0]?.reason).toBe('unchanged since oldObject');
    expect((await e.evaluate(update(IMG, 'registry.internal/app:0.9'), 'mutate')).allowed).toBe(false);
  });

  it('DELETE and CONNECT have nothing to verify', async () => {
    const e = engine([policy(withKeys([keySet([KEY_A])]))], {});
    const d = await e.evaluate(
      { ...create(pod([IMG])), operation: 'DELETE', object: null, oldObject: pod([IMG]) },
      'validate',
    );
    expect(d).toMatchObject({ allowed: true, matched: 0, message: 'nothing to verify on DELETE' });
  });

  it('fails closed when the verifier throws', async () => {
    const boom = () => Promise.reject(new Error('storage unavailable'));
    const e = new AdmissionEngine({
      policies: [policy(withKeys([keySet([KEY_A])]))],
      verifier: { resolve: async () => ({ digest: D }), verifySignature: boom, attestations: boom },
    });
    const d = await e.evaluate(create(pod([IMG])), 'mutate');
    expect(d.allowed).toBe(false);
    expect(d.message).toContain('verification failed: storage unavailable');
  });

  it('pins a pointer once when several policies verify it; every policy must pass', async () => {
    const a = policy(withKeys([keySet([KEY_A])]), { name: 'a' });
    const b = policy(withKeys([keySet([KEY_B])]), { name: 'b' });
    const both = await engine([a, b], signedBy([KEY_A, KEY_B])).evaluate(create(pod([IMG])), 'mutate');
    expect(both.allowed).toBe(true);
    expect(both.patches).toHaveLength(1);
    const one = await engine([a, b], signedBy([KEY_A])).evaluate(create(pod([IMG])), 'mutate');
    expect(one.denials).toHaveLength(1);
    expect(one.denials[0]).toContain('policy b rule check');
  });

  it('reports who asked, the applied rule count and the relevant diagnosis', async () => {
    const e = engine(
      [policy({ ...refs, attestations: [provenance('*', { type: 'slsaprovenance' })] })],
      signedBy(true),
    );
    const d = await e.evaluate(
      { ...create(pod([IMG])), userInfo: { username: 'system:serviceaccount:ci:deployer' } },
      'mutate',
    );
    expect(d).toMatchObject({ user: 'system:serviceaccount:ci:deployer', matched: 1, dryRun: false });
    expect(d.diagnostics.map((x) => x.severity)).toContain('error');
  });

  it('rejects two policies with one name', () => {
    const p = policy(refs);
    expect(() => engine([p, p], {})).toThrow('two policies are named verify');
  });
});
