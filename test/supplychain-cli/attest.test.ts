import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/client/index.js';
import { cliFor } from './cli.js';
import { TARGETS, useTarget } from './registries.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-attest-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const BUILD_TYPE = 'https://github.com/slsa-framework/slsa-github-generator/container@v1';
const V1 = 'https://slsa.dev/provenance/v1';

describe.each(TARGETS)('wharf provenance, attest and verify-attestation on %s', (name) => {
  const t = useTarget(name);
  const { ok, fails } = cliFor(
    () => dir,
    () => t,
  );
  const file = (f: string) => join(dir, `${name}-${f}`);

  beforeAll(async () => {
    await ok(['key', 'generate', '--output-key-prefix', file('cosign')]);
    await writeFile(
      file('policy.yaml'),
      `all:\n  - key: "{{ buildDefinition.buildType }}"\n    operator: Equals\n    value: "https://github.com/slsa-framework/*"\n  - key: "{{ runDetails.builder.id }}"\n    operator: AnyIn\n    value: ["https://ci.example/builder", "https://ci.example/other"]\n`,
    );
    await writeFile(
      file('strict.json'),
      JSON.stringify({
        any: [{ key: '{{ runDetails.builder.id }}', operator: 'Equals', value: 'https://ci.example/other' }],
      }),
    );
  });

  it('writes SLSA v1 provenance, attests it, and verifies it by type and policy', async () => {
    const image = await t.push('att/app', 'v1');
    const digest = image.manifest.descriptor.digest;
    const ref = `${t.host}/att/app:v1`;
    const dep = `git+https://git.example/app@sha256:${'ab'.repeat(32)}`;
    const said = await ok([
      'provenance',
      ref,
      '--builder-id',
      'https://ci.example/builder',
      '--build-type',
      BUILD_TYPE,
      '--external-param',
      'source=git+https://git.example/app',
      '--dependency',
      dep,
      '--output',
      file('prov.json'),
    ]);
    expect(said).toContain(`for ${t.host}/att/app@${digest} written to`);
    const predicate = JSON.parse(await readFile(file('prov.json'), 'utf8'));
    expect(predicate).toEqual({
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: { source: 'git+https://git.example/app' },
        resolvedDependencies: [{ uri: 'git+https://git.example/app', digest: { sha256: 'ab'.repeat(32) } }],
      },
      runDetails: { builder: { id: 'https://ci.example/builder' } },
    });

    const key = ['--key', `${file('cosign')}.key`];
    const pub = ['--key', `${file('cosign')}.pub`];
    expect(
      await ok(['attest', ref, ...key, '--type', 'slsaprovenance1', '--predicate', file('prov.json')]),
    ).toContain(`Attested ${t.host}/att/app@${digest} (${V1})`);
    const r = JSON.parse(
      await ok([
        'verify-attestation',
        ref,
        ...pub,
        '--type',
        'slsaprovenance1',
        '--policy',
        file('policy.yaml'),
        '--json',
      ]),
    );
    expect(r).toMatchObject({ ok: true, checked: 'bundles', failures: [] });
    expect(r.verified[0].payload).toMatchObject({
      predicateType: V1,
      predicate,
      subject: [{ name: `${t.host}/att/app` }],
    });

    expect(
      await fails([
        'verify-attestation',
        ref,
        ...pub,
        '--type',
        'slsaprovenance1',
        '--policy',
        file('strict.json'),
      ]),
    ).toMatch(
      /referrer sha256:[a-f0-9]{64}: policy: conditions: no condition in any holds: conditions\.any\[0\]: "https:\/\/ci\.example\/builder" does not match "https:\/\/ci\.example\/other"$/,
    );
    // cosign's `slsaprovenance` is v0.2: the v1 statement is not of that type.
    expect(await fails(['verify-attestation', ref, ...pub, '--type', 'slsaprovenance'])).toBe(
      `no attestation of the wanted type for ${t.host}/att/app@${digest} (found ${V1})`,
    );
  });

  it('keeps .att layers for the legacy readers, and --replace drops those of the same type', async () => {
    const image = await t.push('att/replace', 'v1');
    const digest = image.manifest.descriptor.digest;
    const ref = `${t.host}/att/replace:v1`;
    await writeFile(file('vuln.json'), JSON.stringify({ scanner: { uri: 'pkg:wharf/scan' } }));
    const args = ['--key', `${file('cosign')}.key`, '--registry-referrers-mode', 'legacy'];
    await ok(['attest', ref, ...args, '--type', 'vuln', '--predicate', file('vuln.json')]);
    await ok(['attest', ref, ...args, '--type', 'custom', '--predicate', file('vuln.json')]);
    await ok(['attest', ref, ...args, '--type', 'vuln', '--predicate', file('vuln.json')]);
    const att = () =>
      t.client
        .getManifest('att/replace', `sha256-${digest.slice(7)}.att`)
        .then((m) => readManifest(m.bytes).layers);
    expect((await att()).map((l) => l.annotations?.predicateType)).toEqual([
      'https://cosign.sigstore.dev/attestation/vuln/v1',
      'https://cosign.sigstore.dev/attestation/v1',
      'https://cosign.sigstore.dev/attestation/vuln/v1',
    ]);
    expect(
      await ok(['attest', ref, ...args, '--type', 'vuln', '--predicate', file('vuln.json'), '--replace']),
    ).toContain('attestation added, 2 replaced');
    expect((await att()).map((l) => l.annotations?.predicateType)).toEqual([
      'https://cosign.sigstore.dev/attestation/v1',
      'https://cosign.sigstore.dev/attestation/vuln/v1',
    ]);
    const r = JSON.parse(
      await ok(['verify-attestation', ref, '--key', `${file('cosign')}.pub`, '--type', 'custom', '--json']),
    );
    expect(r).toMatchObject({ ok: true, checked: 'att' });
    expect(r.verified[0].payload.predicate.Data).toBe(await readFile(file('vuln.json'), 'utf8'));
    expect(r.skipped).toHaveLength(1);
  });

  it('refuses bad input in one line', async () => {
    await t.push('att/bad', 'v1');
    const ref = `${t.host}/att/bad:v1`;
    await writeFile(file('notjson'), 'nope');
    const key = ['--key', `${file('cosign')}.key`];
    expect(
      await fails(['attest', ref, ...key, '--type', 'slsaprovenance1', '--predicate', file('notjson')]),
    ).toMatch(/^the predicate is not JSON/);
    expect(
      await fails(['attest', ref, ...key, '--type', 'not a uri', '--predicate', file('notjson')]),
    ).toMatch(/not a uri/);
    await writeFile(
      file('bad-policy.yaml'),
      'all:\n  - key: "{{ a }}"\n    operator: Matches\n    value: [1]\n',
    );
    expect(
      await fails([
        'verify-attestation',
        ref,
        '--key',
        `${file('cosign')}.pub`,
        '--policy',
        file('bad-policy.yaml'),
      ]),
    ).toMatch(/^conditions\.all\[0\]: unknown operator Matches \(one of Equals, NotEquals, /);
  });
});
