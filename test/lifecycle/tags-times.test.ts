import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, type TestImage } from '../helpers/images.js';
import { type LifecycleServer, repoPath, startLifecycleServer } from './harness.js';

const dialects = await availableDialects();

interface TagTimes {
  name: string;
  pushedAt: string;
  pulledAt: string | null;
}

interface Artifact {
  digest: string;
  pushedAt: string;
  pulledAt: string | null;
  tagTimes: TagTimes[];
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe.each(dialects)('push and pull times over HTTP (%s)', (dialect) => {
  let s: LifecycleServer;
  const repo = 'team/app';
  const a = makeImage();
  const b = makeImage();
  const digest = (i: TestImage) => i.manifest.descriptor.digest;

  beforeAll(async () => {
    s = await startLifecycleServer(dialect);
  });
  afterAll(() => s?.stop());

  async function artifact(i: TestImage): Promise<Artifact> {
    const r = await s.call<Artifact[]>(`${repoPath(repo)}/artifacts`);
    const found = r.body.find((x) => x.digest === digest(i));
    if (!found) throw new Error(`${digest(i)} not listed`);
    return found;
  }
  const ms = (t: string | null | undefined) => (t ? Date.parse(t) : null);

  it('sets push times on the manifest and the tag, raised by a re-push; no pull time yet', async () => {
    const before = Date.now();
    await s.api.push(repo, 'v1', a);
    const first = await artifact(a);
    expect(ms(first.pushedAt)).toBeGreaterThanOrEqual(before);
    expect(first.pulledAt).toBeNull();
    expect(first.tagTimes).toEqual([{ name: 'v1', pushedAt: first.pushedAt, pulledAt: null }]);
    await pause(20);
    await s.api.push(repo, 'v1', a);
    const again = await artifact(a);
    expect(ms(again.pushedAt)).toBeGreaterThan(ms(first.pushedAt) ?? 0);
    expect(ms(again.tagTimes[0]?.pushedAt)).toBeGreaterThan(ms(first.tagTimes[0]?.pushedAt) ?? 0);
  });

  it('records a GET by tag on the manifest and the tag, in a batch (not before it is written)', async () => {
    const before = Date.now();
    await s.api.pull(repo, 'v1');
    await s.api.pull(repo, 'v1');
    expect((await artifact(a)).pulledAt).toBeNull();
    await s.api.wharf.pullTimes.flush();
    const pulled = await artifact(a);
    expect(ms(pulled.pulledAt)).toBeGreaterThanOrEqual(before);
    expect(pulled.tagTimes[0]?.pulledAt).toBe(pulled.pulledAt);
  });

  it('records a GET by digest on the manifest only, and no HEAD at all', async () => {
    const byTag = await artifact(a);
    await pause(20);
    await s.client().headManifest(repo, 'v1');
    await s.client().headManifest(repo, digest(a));
    await s.api.wharf.pullTimes.flush();
    expect(await artifact(a)).toEqual(byTag);
    await s.api.pull(repo, digest(a));
    await s.api.wharf.pullTimes.flush();
    const byDigest = await artifact(a);
    expect(ms(byDigest.pulledAt)).toBeGreaterThan(ms(byTag.pulledAt) ?? 0);
    expect(byDigest.tagTimes).toEqual(byTag.tagTimes);
  });

  it('writes pending pull times by itself about a second later', async () => {
    const last = ms((await artifact(a)).pulledAt) ?? 0;
    await pause(5);
    await s.api.pull(repo, digest(a));
    await pause(1600);
    expect(ms((await artifact(a)).pulledAt)).toBeGreaterThan(last);
  });

  it('starts a moved tag without a pull time; retention reads every time from meta.activity', async () => {
    await s.api.push(repo, 'v1', b);
    const moved = await artifact(b);
    expect(moved.tagTimes).toEqual([{ name: 'v1', pushedAt: moved.pushedAt, pulledAt: null }]);
    const times = await s.api.meta.activity.artifacts(repo);
    const forA = times?.find((t) => t.digest === digest(a));
    expect(forA).toMatchObject({ subject: null, tags: [] });
    expect(forA?.pulledAt?.toISOString()).toBe((await artifact(a)).pulledAt);
    expect(forA?.createdAt.getTime()).toBeLessThan(forA?.pushedAt.getTime() ?? 0);
    expect(times?.find((t) => t.digest === digest(b))?.tags).toEqual([
      { name: 'v1', pushedAt: new Date(moved.pushedAt), pulledAt: null },
    ]);
    expect(await s.api.meta.activity.artifacts('team/none')).toBeUndefined();
  });

  it('ignores pulls of what is gone by the time they are written', async () => {
    await s.api.pull(repo, 'v1');
    await s.client().deleteManifest(repo, digest(b));
    await expect(s.api.wharf.pullTimes.flush()).resolves.toBeUndefined();
    expect((await s.api.meta.activity.artifacts(repo))?.map((t) => t.digest)).toEqual([digest(a)]);
  });
});
