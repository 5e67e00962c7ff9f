import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactSummary } from '../../src/ports/catalog-store.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, makeMultiPlatformIndex, type TestArtifact } from '../helpers/images.js';
import { type OpenedMeta, openTestMeta } from './support/meta.js';

const dialects = await availableDialects();

function bytesOf(a: TestArtifact): number {
  const children = a.kind === 'index' ? a.children.map((c) => c.manifest.bytes.length) : [];
  const blobs = new Map(a.blobs.map((b) => [b.descriptor.digest, b.bytes.length]));
  return (
    a.manifest.bytes.length +
    children.reduce((x, y) => x + y, 0) +
    [...blobs.values()].reduce((x, y) => x + y, 0)
  );
}

describe.each(dialects)('SqlCatalogStore on %s', (dialect) => {
  let t: OpenedMeta;
  const v1 = makeImage({ layers: 2, size: 100 });
  const v2 = makeImage({ layers: 1, size: 300 });
  const multi = makeMultiPlatformIndex({ layers: 1, size: 50 });
  const sig = makeImage({
    layers: 1,
    size: 10,
    artifactType: 'application/vnd.example.sig',
    subject: v1.manifest.descriptor,
    annotations: { who: 'ci' },
  });

  beforeAll(async () => {
    t = await openTestMeta(dialect);
    await t.push('team/api', 'v1', v1);
    await t.push('team/api', 'v2', v2);
    await t.push('team/api', 'multi', multi);
    await t.push('team/api', sig.manifest.descriptor.digest, sig);
    await t.push('team/web', 'latest', makeImage());
    await t.push('team', 'latest', makeImage());
    await t.push('teamx/other', 'latest', makeImage());
    await t.meta.repos.ensure('team/empty');
  });
  afterAll(() => t.close());

  it('lists a project’s repositories that hold manifests, by name, with cursor and substring filter', async () => {
    const names = async (q: Parameters<typeof t.meta.catalog.repositories>[1]) =>
      (await t.meta.catalog.repositories('team', q)).map((r) => r.name);
    expect(await names({ n: 10 })).toEqual(['team', 'team/api', 'team/web']);
    expect(await names({ n: 1, last: 'team' })).toEqual(['team/api']);
    expect(await names({ n: 10, nameContains: 'we' })).toEqual(['team/web']);
    expect(await names({ n: 10, nameContains: '%' })).toEqual([]);
  });

  it('counts listed artifacts and tags, sums distinct bytes', async () => {
    const api = await t.meta.catalog.repository('team/api');
    expect(api).toMatchObject({ name: 'team/api', artifactCount: 3, tagCount: 3 });
    const all = [v1, v2, multi, sig];
    const blobs = new Map(
      all.flatMap((a) => a.blobs.map((b) => [b.descriptor.digest, b.bytes.length] as const)),
    );
    const manifests = [...all.map((a) => a.manifest), ...multi.children.map((c) => c.manifest)];
    const expected =
      [...blobs.values()].reduce((x, y) => x + y, 0) + manifests.reduce((x, m) => x + m.bytes.length, 0);
    expect(api?.sizeBytes).toBe(expected);
    expect(api?.updatedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await t.meta.catalog.repository('team/empty')).toBeUndefined();
  });

  it('lists artifacts newest first with sizes, tags and index platforms; pages by digest cursor', async () => {
    const list = (await t.meta.catalog.artifacts('team/api', { n: 50 })) ?? [];
    expect(list.map((a) => a.digest).sort()).toEqual(
      [v1, v2, multi].map((a) => a.manifest.descriptor.digest).sort(),
    );
    const byDigest = new Map(list.map((a) => [a.digest as string, a]));
    const index = byDigest.get(multi.manifest.descriptor.digest);
    expect(index).toMatchObject({ tags: ['multi'], size: bytesOf(multi), subject: null });
    expect(index?.platforms).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    expect(byDigest.get(v1.manifest.descriptor.digest)).toMatchObject({
      tags: ['v1'],
      size: bytesOf(v1),
      platforms: [],
    });
    const paged: ArtifactSummary[] = [];
    let last: string | undefined;
    for (;;) {
      const page = (await t.meta.catalog.artifacts('team/api', { n: 1, ...(last ? { last } : {}) })) ?? [];
      if (page.length === 0) break;
      paged.push(...page);
      last = page.at(-1)?.digest;
    }
    expect(paged.map((a) => a.digest)).toEqual(list.map((a) => a.digest));
    expect(await t.meta.catalog.artifacts('team/nope', { n: 5 })).toBeUndefined();
  });

  it('shows one artifact by tag or digest, attached ones included, with referrers', async () => {
    const one = await t.meta.catalog.artifact('team/api', 'v1');
    expect(one?.digest).toBe(v1.manifest.descriptor.digest);
    expect(one?.referrers).toEqual([
      expect.objectContaining({
        digest: sig.manifest.descriptor.digest,
        artifactType: 'application/vnd.example.sig',
        annotations: { who: 'ci' },
      }),
    ]);
    const child = multi.children[0]?.manifest.descriptor.digest ?? '';
    expect((await t.meta.catalog.artifact('team/api', child))?.tags).toEqual([]);
    expect(await t.meta.catalog.artifact('team/api', 'nope')).toBeUndefined();
    expect(await t.meta.catalog.artifact('team/none', 'v1')).toBeUndefined();
  });

  it('lists every manifest digest of a repository', async () => {
    expect(await t.meta.catalog.manifestDigests('team/api')).toHaveLength(6);
  });
});
