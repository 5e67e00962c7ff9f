import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/client/index.js';
import { sha256 } from '../helpers/images.js';
import { cliFor } from './cli.js';
import { TARGETS, type Target, useTarget } from './registries.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-sbom-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const SPDX = JSON.stringify({
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'app',
  documentNamespace: 'https://wharf.example/spdx/app',
  creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: wharf-test'] },
  packages: [],
});
const CYCLONEDX = JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] });

/** GET with docker token auth when the registry challenges (a bearer token for `repo`). */
async function rawGet(t: Target, path: string, accept: string): Promise<Response> {
  const url = `http://${t.host}${path}`;
  const first = await fetch(url, { headers: { accept } });
  if (first.status !== 401 || !t.credentials) return first;
  await first.arrayBuffer();
  const challenge = first.headers.get('www-authenticate') ?? '';
  const param = (k: string) => new RegExp(`${k}="([^"]*)"`).exec(challenge)?.[1] ?? '';
  const basic = Buffer.from(`${t.credentials.username}:${t.credentials.password}`).toString('base64');
  const q = new URLSearchParams({ service: param('service'), scope: param('scope') });
  const tok = await fetch(`${param('realm')}?${q}`, { headers: { authorization: `Basic ${basic}` } });
  const { token } = (await tok.json()) as { token: string };
  return fetch(url, { headers: { accept, authorization: `Bearer ${token}` } });
}

describe.each(TARGETS)('wharf sbom attach and tree on %s', (name) => {
  const t = useTarget(name);
  const { ok, fails } = cliFor(
    () => dir,
    () => t,
  );
  const file = (f: string) => join(dir, `${name}-${f}`);

  beforeAll(async () => {
    await ok(['key', 'generate', '--output-key-prefix', file('cosign')]);
    await writeFile(file('spdx.json'), SPDX);
    await writeFile(file('cdx.json'), CYCLONEDX);
    await writeFile(file('pred.json'), '{"k":"v"}');
  });

  it('attaches SBOMs as the .sbom tag and as referrers; tree shows everything attached', async () => {
    const image = await t.push('tree/app', 'v1');
    const digest = image.manifest.descriptor.digest;
    const ref = `${t.host}/tree/app:v1`;
    expect(await ok(['tree', ref])).toBe(`Artifacts attached to ${t.host}/tree/app@${digest}:\n  (none)\n`);

    const attached = JSON.parse(await ok(['sbom', 'attach', ref, file('spdx.json'), '--json']));
    expect(attached).toMatchObject({
      digest,
      mediaType: 'text/spdx+json',
      tag: `sha256-${digest.slice(7)}.sbom`,
    });
    await ok(['sbom', 'attach', ref, file('cdx.json')]);
    const sbomLayers = readManifest((await t.client.getManifest('tree/app', attached.tag)).bytes).layers;
    expect(sbomLayers.map((l) => [l.mediaType, l.digest])).toEqual([
      ['text/spdx+json', sha256(Buffer.from(SPDX))],
      ['application/vnd.cyclonedx+json', sha256(Buffer.from(CYCLONEDX))],
    ]);

    await ok(['sign', ref, '--key', `${file('cosign')}.key`]);
    await ok([
      'attest',
      ref,
      '--key',
      `${file('cosign')}.key`,
      '--type',
      'https://example.com/x/v1',
      '--predicate',
      file('pred.json'),
    ]);
    const tree = JSON.parse(await ok(['tree', ref, '--json']));
    expect(tree.image).toBe(`${t.host}/tree/app@${digest}`);
    const hint = tree.signatures.find((s: { source: string }) => s.source === 'referrer').keyHint;
    expect(hint).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(tree.signatures.map((s: { source: string; keyHint?: string }) => [s.source, s.keyHint])).toEqual([
      ['referrer', hint],
      ['tag', undefined],
    ]);
    expect(
      tree.attestations.map((a: { source: string; predicateType: string }) => [a.source, a.predicateType]),
    ).toEqual([
      ['referrer', 'https://example.com/x/v1'],
      ['tag', 'https://example.com/x/v1'],
    ]);
    const sboms: string[][] = tree.sboms.map(
      (s: { source: string; mediaType: string; artifactType?: string }) => [
        s.source,
        s.artifactType ?? s.mediaType,
      ],
    );
    // The referrers API lists in no particular order; the .sbom layers are in push order.
    expect(sboms.slice(0, 2).sort()).toEqual([
      ['referrer', 'application/vnd.cyclonedx+json'],
      ['referrer', 'text/spdx+json'],
    ]);
    expect(sboms.slice(2)).toEqual([
      ['tag', 'text/spdx+json'],
      ['tag', 'application/vnd.cyclonedx+json'],
    ]);
    expect(tree.other).toEqual([]);
    const text = await ok(['tree', ref]);
    expect(text).toMatch(
      /^Signatures:\n {2}sha256:[a-f0-9]{64} {2}referrer {2}key hint: \S+\n {2}sha256:[a-f0-9]{64} {2}in sha256-[a-f0-9]{64}\.sig {2}key hint: none$/m,
    );
    expect(text).toMatch(/^SBOMs:\n(?: {2}sha256:.*\n){4}$/m);
  });

  it('detects the SBOM format, or asks for --type', async () => {
    await t.push('tree/bad', 'v1');
    await writeFile(file('unknown.json'), '{"hello":"world"}');
    expect(await fails(['sbom', 'attach', `${t.host}/tree/bad:v1`, file('unknown.json')])).toBe(
      'cannot tell the SBOM format (neither SPDX nor CycloneDX); pass --type',
    );
    expect(
      await fails(['sbom', 'attach', `${t.host}/tree/bad:v1`, file('spdx.json'), '--type', 'syft']),
    ).toBe('--type must be spdx or cyclonedx (got "syft")');
    expect(await fails(['tree', `${t.host}/tree/bad:nope`])).toMatch(/manifest unknown/);
  });

  it.runIf(name === 'wharf')('serves the referrers index as cosign v3 needs it', async () => {
    const image = await t.push('tree/index', 'v1');
    const digest = image.manifest.descriptor.digest;
    await ok(['sign', `${t.host}/tree/index:v1`, '--key', `${file('cosign')}.key`]);
    await ok(['sbom', 'attach', `${t.host}/tree/index:v1`, file('spdx.json')]);
    const res = await rawGet(
      t,
      `/v2/tree/index/referrers/${digest}`,
      'application/vnd.oci.image.index.v1+json',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
    const index = (await res.json()) as {
      mediaType: string;
      manifests: { artifactType?: string; annotations?: Record<string, string> }[];
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests).toHaveLength(2);
    expect(index.manifests.map((m) => m.artifactType).sort()).toEqual([
      'application/vnd.dev.sigstore.bundle.v0.3+json',
      'text/spdx+json',
    ]);
    const bundle = index.manifests.find((m) =>
      m.artifactType?.startsWith('application/vnd.dev.sigstore.bundle'),
    );
    expect(bundle?.annotations).toMatchObject({
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
    });
    expect(bundle?.annotations?.['org.opencontainers.image.created']).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
  });

  it.runIf(name === 'docker-registry')(
    'keeps the referrers fallback tag where there is no referrers API',
    async () => {
      const image = await t.push('tree/fallback', 'v1');
      const digest = image.manifest.descriptor.digest;
      expect((await rawGet(t, `/v2/tree/fallback/referrers/${digest}`, '*/*')).status).toBe(404);
      await ok(['sign', `${t.host}/tree/fallback:v1`, '--key', `${file('cosign')}.key`]);
      await ok(['sbom', 'attach', `${t.host}/tree/fallback:v1`, file('spdx.json')]);
      const index = readManifest(
        (await t.client.getManifest('tree/fallback', `sha256-${digest.slice(7)}`)).bytes,
      );
      expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(index.manifests.map((m) => m.artifactType)).toEqual([
        'application/vnd.dev.sigstore.bundle.v0.3+json',
        'text/spdx+json',
      ]);
    },
  );
});
