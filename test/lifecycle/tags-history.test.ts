import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded } from '../api/harness.js';
import { coverageGaps, type OpenApiDoc } from '../api/support/coverage.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage } from '../helpers/images.js';
import { ADMIN, BOB, CAROL, type LifecycleServer, repoPath, startLifecycleServer } from './harness.js';

const dialects = await availableDialects();
let doc: OpenApiDoc | undefined;

interface Entry {
  id: number;
  tag: string;
  action: string;
  from: string | null;
  to: string | null;
  actor: string;
  actorKind: string;
  at: string;
}

describe.each(dialects)('tag history over HTTP (%s)', (dialect) => {
  let s: LifecycleServer;
  const repo = 'team/app';
  const a = makeImage();
  const b = makeImage();
  const c = makeImage();
  const digest = (i: typeof a) => i.manifest.descriptor.digest;

  beforeAll(async () => {
    s = await startLifecycleServer(dialect);
  });
  afterAll(() => s?.stop());

  const history = async (tag: string, query = '') => {
    const r = await s.call<Entry[]>(`${repoPath(repo)}/tags/${tag}/history${query}`);
    expect(r.status).toBe(200);
    return r.body;
  };
  const brief = (entries: Entry[]) =>
    entries.map(({ action, from, to, actor, actorKind }) => ({ action, from, to, actor, actorKind }));

  it('documents the operation', async () => {
    doc = (await s.call<OpenApiDoc>('/openapi.json', { as: null })).body;
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('records a creation, a move by another user, and no entry for a re-push of the same digest', async () => {
    const before = Date.now();
    await s.api.push(repo, 'v1', a);
    await s.api.push(repo, 'v1', b, BOB);
    await s.api.push(repo, 'v1', b, BOB);
    const entries = await history('v1');
    expect(brief(entries)).toEqual([
      { action: 'moved', from: digest(a), to: digest(b), actor: 'bob', actorKind: 'user' },
      { action: 'created', from: null, to: digest(a), actor: 'admin', actorKind: 'user' },
    ]);
    for (const e of entries) {
      expect(e.tag).toBe('v1');
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.now());
    }
    expect(entries[0]?.id).toBeGreaterThan(entries[1]?.id ?? Number.POSITIVE_INFINITY);
  });

  it('records a tag delete, and keeps the history once the tag is gone', async () => {
    await s.client(ADMIN).deleteManifest(repo, 'v1');
    const [deleted] = await history('v1');
    expect(deleted).toMatchObject({ action: 'deleted', from: digest(b), to: null, actor: 'admin' });
    expect(await history('v1')).toHaveLength(3);
  });

  it('records the deletion of every tag of a manifest deleted by digest', async () => {
    await s.api.push(repo, 'v2', c);
    await s.api.push(repo, 'v3', c);
    await s.client(ADMIN).deleteManifest(repo, digest(c));
    for (const tag of ['v2', 'v3']) {
      expect(brief(await history(tag))).toEqual([
        { action: 'deleted', from: digest(c), to: null, actor: 'admin', actorKind: 'user' },
        { action: 'created', from: null, to: digest(c), actor: 'admin', actorKind: 'user' },
      ]);
    }
  });

  it('pages newest first with a Link to the next page', async () => {
    const r = await s.call<Entry[]>(`${repoPath(repo)}/tags/v1/history?n=2`);
    expect(r.body.map((e) => e.action)).toEqual(['deleted', 'moved']);
    const next = /<([^>]+)>; rel="next"/.exec(r.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const rest = await s.call<Entry[]>(next?.replace('/api/v1', '') ?? '');
    expect(rest.body.map((e) => e.action)).toEqual(['created']);
    expect(rest.headers.get('link')).toBeNull();
  });

  it('answers an unknown tag with [] and refuses unknown repositories, strangers and bad cursors', async () => {
    expect(await history('never')).toEqual([]);
    expect((await s.call(`${repoPath('team/none')}/tags/v1/history`)).status).toBe(404);
    expect((await s.call(`${repoPath(repo)}/tags/v1/history`, { as: CAROL })).status).toBe(404);
    expect((await s.call(`${repoPath(repo)}/tags/v1/history?last=x`)).status).toBe(400);
    expect((await s.call(`${repoPath(repo)}/tags/bad:tag/history`)).status).toBe(400);
  });

  it('wharf tag history HOST/REPO:TAG prints the history (and --json)', async () => {
    const json = await s.cli(['tag', 'history', `${s.host}/${repo}:v1`, '--json']);
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(json.stdout) as Entry[]).map((e) => e.action)).toEqual([
      'deleted',
      'moved',
      'created',
    ]);
    const text = await s.cli(['tag', 'history', `${s.host}/${repo}:v1`]);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+ACTION\s+FROM\s+TO\s+BY$/);
    expect(lines[2]).toContain(`moved    ${digest(a).slice(0, 19)}`);
    expect(lines[2]).toMatch(/ bob$/);
    const bad = await s.cli(['tag', 'history', `${s.host}/${repo}@${digest(a)}`]);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/^wharf: tag history takes HOST\/REPO:TAG/);
  });
});

afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  // Operations no file owns are api.test.ts's and events-api.test.ts's to report.
  const gaps = coverageGaps(doc, recorded, 'tags-history.test.ts').filter(
    (g) => !g.includes('no test file owns'),
  );
  expect(gaps).toEqual([]);
});
