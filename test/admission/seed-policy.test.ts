import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AdmissionEngine, parsePolicies, StaticVerifier } from '../../src/services/admission/index.js';
import { runCliCaptured } from '../helpers/cli.js';
import { create, digest, GENERATOR, pod, provenanceV1, SLSA_V1, statement } from './support.js';

const FIXTURES = new URL('../fixtures/admission/', import.meta.url).pathname;
const SEED = join(FIXTURES, 'seed-verify-slsa-provenance.yaml');
const FIXED = join(FIXTURES, 'verify-slsa-provenance.yaml');
const IMG = 'registry.internal/app:1.0';
const D = digest('f');

/** What `wharf policy test --attestations` reads: the image signed, with one provenance statement. */
const data = (buildType: string, predicateType = SLSA_V1) => ({
  [IMG]: { digest: D, signed: true, statements: [statement(predicateType, provenanceV1(buildType), D)] },
});

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wharf-policy-'));
  await writeFile(join(tmp, 'pod.yaml'), stringify(pod([IMG])));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function cli(args: string[]) {
  return runCliCaptured(['policy', 'test', ...args], { env: {} });
}

async function file(name: string, content: unknown): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('the seed policy, corrected (key attestor, type https://slsa.dev/provenance/v1)', () => {
  const engineFor = async (images: ReturnType<typeof data>) =>
    new AdmissionEngine({
      policies: parsePolicies(await readFile(FIXED, 'utf8')),
      verifier: new StaticVerifier(images),
    });

  it.each([
    [GENERATOR, true],
    [`${GENERATOR}/container@v1`, true],
    ['https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1', false],
    ['https://github.com/myorg/homemade-builder', false],
    ['https://example.com/make@v1', false],
  ])('buildType %s: admitted %s', async (buildType, admitted) => {
    const e = await engineFor(data(buildType));
    const d = await e.evaluate(create(pod([IMG])), 'mutate');
    expect(d.allowed, d.message).toBe(admitted);
    if (!admitted) expect(d.message).toContain('rule check-signature-and-provenance');
  });

  it('wharf policy test admits the generator build and explains every step (exit 0)', async () => {
    const r = await cli([
      FIXED,
      join(tmp, 'pod.yaml'),
      '--attestations',
      await file('good.json', data(GENERATOR)),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mutate: ADMITTED CREATE Pod shop/web');
    expect(r.stdout).toContain('validate: ADMITTED');
    expect(r.stdout).toContain(
      `PASS .attestations[0].conditions[0].all[0]: Equals: "${GENERATOR}" matches "https://github.com/slsa-framework/*"`,
    );
    expect(r.stdout).toContain(`patch: replace /spec/containers/0/image with ${IMG}@${D}`);
    expect(r.stdout.trimEnd().endsWith('result: ADMITTED')).toBe(true);
  });

  it('wharf policy test denies another builder (exit 1), naming the condition', async () => {
    const r = await cli([
      FIXED,
      join(tmp, 'pod.yaml'),
      '--attestations',
      await file('other.json', data('https://example.com/make@v1')),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('result: DENIED: image verification failed for Pod shop/web');
    expect(r.stdout).toContain(
      '"https://example.com/make@v1" does not match "https://github.com/slsa-framework/*"',
    );
  });

  it('--json prints the decisions and the diagnosis', async () => {
    const r = await cli([
      FIXED,
      join(tmp, 'pod.yaml'),
      '--json',
      '--attestations',
      await file('good2.json', data(GENERATOR)),
    ]);
    const out = JSON.parse(r.stdout);
    expect(out.admitted).toBe(true);
    expect(out.decisions.map((d: { phase: string }) => d.phase)).toEqual(['mutate', 'validate']);
    expect(out.decisions[0].patches).toHaveLength(1);
  });

  it('takes an AdmissionReview as the resource', async () => {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: create(pod([IMG])),
    };
    const r = await cli([
      FIXED,
      await file('review.json', review),
      '--attestations',
      await file('good3.json', data(GENERATOR)),
    ]);
    expect(r.code).toBe(0);
  });
});

describe('the seed policy as written (keyless, type: slsaprovenance)', () => {
  it('wharf policy test diagnoses the trap and says how to fix it', async () => {
    const r = await cli([
      SEED,
      join(tmp, 'pod.yaml'),
      '--attestations',
      await file('seed.json', data(GENERATOR)),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('diagnosis:');
    expect(r.stdout).toContain(
      'error: verify-slsa-provenance spec.rules[0].verifyImages[0].attestations[0].conditions[0].all[0]: ' +
        '{{ buildDefinition.buildType }} can never match under type slsaprovenance (SLSA Provenance v0.2 in cosign and Kyverno)',
    );
    expect(r.stdout).toContain('Fix: write `type: https://slsa.dev/provenance/v1`');
    expect(r.stdout).toContain('keyless verification needs network access to Sigstore; configure keys');
  });

  it('with a key attestor but the seed type, evaluation fails and the denial carries the fix', async () => {
    const fixed = await readFile(FIXED, 'utf8');
    const trap = fixed.replace('type: https://slsa.dev/provenance/v1', 'type: slsaprovenance');
    const r = await cli([
      await file('trap.yaml', trap),
      join(tmp, 'pod.yaml'),
      '--attestations',
      await file('trap.json', data(GENERATOR)),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'no attestation with predicateType slsaprovenance verifies with this key; found https://slsa.dev/provenance/v1',
    );
    expect(r.stdout).toMatch(
      /denied: .*slsaprovenance not verified \(hint: \{\{ buildDefinition\.buildType \}\} can never match/,
    );
  });
});

describe('wharf policy test on bad input (exit 2)', () => {
  it.each([
    ['a missing policy', () => [join(tmp, 'nope.yaml'), join(tmp, 'pod.yaml')], 'cannot read policy'],
    [
      'a policy outside the subset',
      async () => [
        await file(
          'bad.yaml',
          'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x}\nspec:\n  rules:\n    - name: r\n      match: {resources: {kinds: [Pod]}}\n      validate: {}\n',
        ),
        join(tmp, 'pod.yaml'),
      ],
      'bad.yaml:8: spec.rules[0].validate: not supported',
    ],
    ['a resource that is not YAML', async () => [FIXED, await file('broken.yaml', 'kind: [')], 'broken.yaml'],
    [
      'a resource without kind',
      async () => [FIXED, await file('nokind.yaml', 'metadata: {}')],
      'needs apiVersion and kind',
    ],
    [
      'bad attestations JSON',
      async () => [FIXED, join(tmp, 'pod.yaml'), '--attestations', await file('bad.json', '{')],
      'bad.json',
    ],
    [
      'attestations of the wrong shape',
      async () => [
        FIXED,
        join(tmp, 'pod.yaml'),
        '--attestations',
        await file('shape.json', { [IMG]: { signed: 'yes' } }),
      ],
      'expected a list of PEM keys',
    ],
  ])('%s', async (_name, args, message) => {
    const r = await cli(await args());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr.startsWith('wharf: ')).toBe(true);
  });
});
