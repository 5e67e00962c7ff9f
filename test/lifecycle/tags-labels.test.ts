import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { recorded } from '../api/harness.js';
import { coverageGaps, type OpenApiDoc } from '../api/support/coverage.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, type TestImage } from '../helpers/images.js';
import { ADMIN, ALICE, BOB, CAROL, type LifecycleServer, repoPath, startLifecycleServer } from './harness.js';

const dialects = await availableDialects();
let doc: OpenApiDoc | undefined;

interface Artifact {
  digest: string;
  tags: string[];
  labels: Record<string, string>;
}

describe.each(dialects)('labels over HTTP (%s)', (dialect) => {
  let s: LifecycleServer;
  const repo = 'team/app';
  const a = makeImage();
  const b = makeImage();
  const digest = (i: TestImage) => i.manifest.descriptor.digest as Digest;
  const labels = (ref: string, key?: string, r = repo) =>
    `${repoPath(r)}/artifacts/${ref}/labels${key === undefined ? '' : `/${key}`}`;
  const set = (ref: string, key: string, value: string, as: [string, string] = BOB, r = repo) =>
    s.call<Record<string, string>>(labels(ref, key, r), { method: 'PUT', body: { value }, as });
  const listed = async (query: string) => {
    const r = await s.call<Artifact[]>(`${repoPath(repo)}/artifacts${query}`);
    expect(r.status).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    s = await startLifecycleServer(dialect);
    doc = (await s.call<OpenApiDoc>('/openapi.json', { as: null })).body;
    await s.api.push(repo, 'v1', a);
    await s.api.push(repo, 'v2', b);
  });
  afterAll(() => s?.stop());

  it('sets labels by tag or digest (push needed), replaces values, and lists them', async () => {
    expect(await set('v1', 'approved', 'true')).toMatchObject({ status: 200, body: { approved: 'true' } });
    expect((await set(digest(b), 'approved', 'false')).body).toEqual({ approved: 'false' });
    await set('v1', 'tier', 'gold', ALICE);
    expect((await set('v1', 'approved', 'yes')).body).toEqual({ approved: 'yes', tier: 'gold' });
    expect((await s.call(labels(digest(a)), { as: BOB })).body).toEqual({ approved: 'yes', tier: 'gold' });
    expect((await set('v1', 'note', '')).body).toMatchObject({ note: '' });
    expect((await s.call(labels('v1', 'note'), { method: 'DELETE' })).status).toBe(204);
  });

  it('shows labels in the artifact listing, and filters it by key or key=value', async () => {
    const all = await listed('');
    expect(all.find((x) => x.digest === digest(a))?.labels).toEqual({ approved: 'yes', tier: 'gold' });
    expect(all.find((x) => x.digest === digest(b))?.labels).toEqual({ approved: 'false' });
    expect((await listed('?label=approved%3Dyes')).map((x) => x.tags)).toEqual([['v1']]);
    expect((await listed('?label=approved')).map((x) => x.digest).sort()).toEqual(
      [digest(a), digest(b)].sort(),
    );
    expect(await listed('?label=tier%3Dsilver')).toEqual([]);
    expect((await s.call(`${repoPath(repo)}/artifacts?label=%3Dx`)).status).toBe(400);
  });

  it('removes labels, and refuses bad keys and values, unknown artifacts, strangers and readers', async () => {
    expect((await s.call(labels('v1', 'tier'), { method: 'DELETE', as: BOB })).status).toBe(204);
    expect((await s.call(labels('v1', 'tier'), { method: 'DELETE', as: BOB })).status).toBe(404);
    expect((await set('v1', '-bad', 'x')).status).toBe(400);
    expect((await set('v1', 'k', 'x'.repeat(257))).status).toBe(400);
    expect((await set('v1', 'k', 'a\nb')).status).toBe(400);
    expect((await set('nope', 'k', 'x')).status).toBe(404);
    expect((await s.call(labels('nope'))).status).toBe(404);
    expect((await set('v1', 'k', 'x', CAROL)).status).toBe(404);
    expect((await s.call(labels('v1'), { as: null })).status).toBe(401);
    // pub is public: carol may read its labels, not set them.
    await s.api.push('pub/app', 'v1', a);
    expect((await s.call(labels('v1', undefined, 'pub/app'), { as: CAROL })).body).toEqual({});
    expect((await set('v1', 'k', 'x', CAROL, 'pub/app')).status).toBe(403);
  });

  it('finds the artifacts carrying a label across repositories, by project, value and cursor', async () => {
    expect((await set('v1', 'approved', 'yes', ADMIN, 'pub/app')).status).toBe(200);
    const find = s.api.meta.labels.find.bind(s.api.meta.labels);
    const both = await find({ key: 'approved', n: 10 });
    const team = [
      { repository: repo, digest: digest(a), value: 'yes' },
      { repository: repo, digest: digest(b), value: 'false' },
    ].sort((x, y) => (x.digest < y.digest ? -1 : 1));
    expect(both).toEqual([{ repository: 'pub/app', digest: digest(a), value: 'yes' }, ...team]);
    expect(
      (await find({ key: 'approved', value: 'yes', project: 'team', n: 10 })).map((x) => x.digest),
    ).toEqual([digest(a)]);
    expect(await find({ key: 'approved', repository: 'team/other', n: 10 })).toEqual([]);
    const [first] = both;
    if (!first) throw new Error('no first');
    const after = await find({
      key: 'approved',
      after: { repository: first.repository, digest: first.digest },
      n: 1,
    });
    expect(after).toEqual([both[1]]);
  });

  it('deletes labels with their manifest (a re-push of the same digest starts without)', async () => {
    await s.client().deleteManifest(repo, digest(b));
    expect(
      (await s.api.meta.labels.find({ key: 'approved', repository: repo, n: 10 })).map((x) => x.digest),
    ).toEqual([digest(a)]);
    await s.api.push(repo, 'v2', b);
    expect((await s.call(labels('v2'))).body).toEqual({});
  });

  it('wharf label add, list and remove', async () => {
    const ref = `${s.host}/${repo}:v1`;
    expect((await s.cli(['label', 'add', ref, 'env=prod=eu'])).stdout).toBe(`Labeled ${ref} env=prod=eu\n`);
    expect((await s.cli(['label', 'list', ref])).stdout).toBe('approved=yes\nenv=prod=eu\n');
    const json = await s.cli(['label', 'list', `${s.host}/${repo}@${digest(a)}`, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ approved: 'yes', env: 'prod=eu' });
    expect((await s.cli(['label', 'remove', ref, 'env'])).stdout).toBe(`Removed label env from ${ref}\n`);
    const gone = await s.cli(['label', 'remove', ref, 'env']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^wharf: remove label env from .*: label not found \(HTTP 404\)\n$/);
    expect((await s.cli(['label', 'add', ref, 'novalue'])).stderr).toBe(
      'wharf: a label is KEY=VALUE (got "novalue")\n',
    );
  });
});

afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  // Operations no file owns are api.test.ts's and events-api.test.ts's to report.
  const gaps = coverageGaps(doc, recorded, 'tags-labels.test.ts').filter(
    (g) => !g.includes('no test file owns'),
  );
  expect(gaps).toEqual([]);
});
