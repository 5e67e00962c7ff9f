import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/client/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { makeImage } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import type { TestServer } from '../helpers/server.js';
import {
  ADMIN,
  api,
  clientFor,
  createPolicy,
  hostOf,
  pushSignedImage,
  runPolicy,
  startWharf,
} from './harness.js';

// What a policy selects: repository and tag globs, labels, artifact type; a dry run lists exactly
// what the run then copies.
describe('replication filters and dry runs', () => {
  let a: TestServer;
  let b: TestServer;
  let ca: RegistryClient;
  let cb: RegistryClient;
  const digests: Record<string, Digest> = {};

  const label = async (repo: string, tag: string, key: string, value: string) => {
    const project = repo.split('/')[0];
    const path = `/projects/${project}/repositories/${encodeURIComponent(repo)}/artifacts/${tag}/labels/${key}`;
    const r = await api(a, 'PUT', path, { value });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startWharf('sqlite'), startWharf('sqlite')]);
    ca = clientFor(a);
    cb = clientFor(b);
    for (const [repo, tag] of [
      ['platform/api', 'v1'],
      ['platform/api', 'v2'],
      ['platform/api', 'dev'],
      ['platform/db', 'v1'],
      ['platform/tools/lint', 'v1'],
      ['other/api', 'v1'],
    ] as const) {
      digests[`${repo}:${tag}`] = (await pushSignedImage(ca, repo, tag, { layers: 1, size: 512 })).digest;
    }
    await label('platform/api', 'v1', 'approved', 'true');
    await label('platform/db', 'v1', 'approved', 'false');
    await label('platform/tools/lint', 'v1', 'approved', 'true');
    const chart = makeImage({ layers: 1, size: 300, artifactType: 'application/vnd.example.chart' });
    await pushArtifact(ca, 'platform/charts', 'v1', chart);
    digests['platform/charts:v1'] = chart.manifest.descriptor.digest as Digest;
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const endpoint = () => ({
    url: `http://${hostOf(b)}`,
    insecure: true,
    credentials: { type: 'basic', ...ADMIN },
  });
  const selected = (e: { artifacts: { repository: string; tag: string | null; digest: string | null }[] }) =>
    e.artifacts.map((x) => `${x.repository}:${x.tag}@${x.digest}`).sort();
  const expected = (...refs: string[]) => refs.map((r) => `${r}@${digests[r]}`).sort();

  it('selects by repository glob (one segment), tag glob and label; the dry run lists exactly what the run copies', async () => {
    const policy = await createPolicy(a, {
      name: 'approved',
      mode: 'push',
      endpoint: endpoint(),
      filters: { repository: 'platform/*', tag: 'v*', label: 'approved=true' },
    });
    const dry = await runPolicy(a, policy, true);
    expect(dry).toMatchObject({ dryRun: true, status: 'succeeded' });
    expect(selected(dry)).toEqual(expected('platform/api:v1'));
    expect(dry.artifacts.map((x) => x.status)).toEqual(['planned']);
    expect(dry.artifacts[0]?.bytes).toBeGreaterThan(0);
    expect(await cb.headManifest('platform/api', 'v1')).toBeUndefined();

    const run = await runPolicy(a, policy);
    expect(selected(run)).toEqual(selected(dry));
    expect(run.artifacts.map((x) => [x.status, x.bytes])).toEqual([['copied', dry.artifacts[0]?.bytes]]);
    expect((await cb.headManifest('platform/api', 'v1'))?.digest).toBe(digests['platform/api:v1']);
    for (const absent of ['platform/api:v2', 'platform/db:v1', 'platform/tools/lint:v1', 'other/api:v1']) {
      const [repo, tag] = absent.split(':') as [string, string];
      expect(await cb.headManifest(repo, tag), absent).toBeUndefined();
    }
    // Now there is nothing left to copy: the dry run says so.
    const again = await runPolicy(a, policy, true);
    expect(again.artifacts.map((x) => x.status)).toEqual(['skipped']);
  });

  it('`**` crosses segments, `{a,b}` alternatives, a project scope', async () => {
    const policy = await createPolicy(a, {
      name: 'globs',
      mode: 'push',
      project: 'platform',
      endpoint: endpoint(),
      filters: { repository: 'platform/**', tag: '{v2,v1}' },
    });
    const dry = await runPolicy(a, policy, true);
    expect(selected(dry)).toEqual(
      expected(
        'platform/api:v1',
        'platform/api:v2',
        'platform/db:v1',
        'platform/tools/lint:v1',
        'platform/charts:v1',
      ),
    );
    const scoped = await createPolicy(a, {
      name: 'other-project',
      mode: 'push',
      project: 'other',
      endpoint: endpoint(),
      filters: { tag: 'v1' },
    });
    expect(selected(await runPolicy(a, scoped, true))).toEqual(expected('other/api:v1'));
  });

  it('selects by artifact type', async () => {
    const policy = await createPolicy(a, {
      name: 'charts',
      mode: 'push',
      endpoint: endpoint(),
      filters: { artifactType: 'application/vnd.example.chart' },
    });
    const run = await runPolicy(a, policy);
    expect(selected(run)).toEqual(expected('platform/charts:v1'));
    expect(run.artifacts[0]?.status).toBe('copied');
  });
});
