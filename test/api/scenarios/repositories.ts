import { expect, it } from 'vitest';
import { makeImage, makeMultiPlatformIndex } from '../../helpers/images.js';
import { BOB, CAROL, type World } from '../support/world.js';

export function repositoryScenarios(w: () => World): void {
  const call = (...a: Parameters<World['server']['call']>) => w().server.call(...a);
  const image = makeImage({ layers: 2, size: 200 });
  const index = makeMultiPlatformIndex({ layers: 1, size: 100 });
  const sig = makeImage({
    layers: 1,
    size: 10,
    artifactType: 'application/vnd.example.sig',
    subject: image.manifest.descriptor,
  });

  it('lists a project’s repositories with counts, sizes and a name filter', async () => {
    await w().server.push('team/api', 'v1', image);
    await w().server.push('team/api', 'multi', index);
    await w().server.push('team/api', sig.manifest.descriptor.digest, sig);
    await w().server.push('team/tools/lint', 'latest', makeImage());
    const res = await call('/projects/team/repositories', { as: BOB });
    const repos = (await res.json()) as {
      name: string;
      artifactCount: number;
      tagCount: number;
      sizeBytes: number;
    }[];
    expect(repos.map((r) => r.name)).toEqual(['team/api', 'team/tools/lint']);
    expect(repos[0]).toMatchObject({ artifactCount: 2, tagCount: 2 });
    expect(repos[0]?.sizeBytes).toBeGreaterThan(400);
    const filtered = await call('/projects/team/repositories?name=lint&n=1', { as: BOB });
    expect(((await filtered.json()) as { name: string }[]).map((r) => r.name)).toEqual(['team/tools/lint']);
    const first = await call('/projects/team/repositories?n=1', { as: BOB });
    expect(first.headers.get('link')).toBe(
      '</api/v1/projects/team/repositories?n=1&last=team%2Fapi>; rel="next"',
    );
    expect((await call('/projects/team/repositories', { as: CAROL })).status).toBe(404);
    expect((await call('/projects/team/repositories', { as: null })).status).toBe(401);
  });

  it('lists artifacts with tags, sizes and index platforms; repository names are URL-encoded', async () => {
    const res = await call('/projects/team/repositories/team%2Fapi/artifacts', { as: BOB });
    expect(res.status).toBe(200);
    const list = (await res.json()) as {
      digest: string;
      tags: string[];
      platforms: unknown[];
      size: number;
    }[];
    expect(list.map((a) => a.digest).sort()).toEqual(
      [image, index].map((a) => a.manifest.descriptor.digest).sort(),
    );
    const idx = list.find((a) => a.digest === index.manifest.descriptor.digest);
    expect(idx?.tags).toEqual(['multi']);
    expect(idx?.platforms).toHaveLength(2);
    const img = list.find((a) => a.digest === image.manifest.descriptor.digest);
    expect(img?.size).toBe(image.manifest.bytes.length + image.blobs.reduce((n, b) => n + b.bytes.length, 0));
    const doubled = await call('/projects/team/repositories/team%252Fapi/artifacts?n=1', { as: BOB });
    expect(await doubled.json()).toHaveLength(1);
    expect(doubled.headers.get('link')).toMatch(
      /^<\/api\/v1\/projects\/team\/repositories\/team%252Fapi\/artifacts\?n=1&last=sha256%3A/,
    );
    expect((await call('/projects/team/repositories/pub%2Fapi/artifacts', { as: BOB })).status).toBe(400);
    expect((await call('/projects/team/repositories/team%2FAPI/artifacts', { as: BOB })).status).toBe(400);
    expect((await call('/projects/team/repositories/team%2Fnone/artifacts', { as: BOB })).status).toBe(404);
    expect((await call('/projects/team/repositories/team%2Fapi/artifacts', { as: CAROL })).status).toBe(404);
  });

  it('shows one artifact by tag or digest with its referrers', async () => {
    const one = await call('/projects/team/repositories/team%2Fapi/artifacts/v1', { as: BOB });
    const body = (await one.json()) as {
      digest: string;
      referrers: { digest: string; artifactType: string }[];
    };
    expect(body.digest).toBe(image.manifest.descriptor.digest);
    expect(body.referrers).toEqual([
      expect.objectContaining({
        digest: sig.manifest.descriptor.digest,
        artifactType: 'application/vnd.example.sig',
      }),
    ]);
    const byDigest = await call(
      `/projects/team/repositories/team%2Fapi/artifacts/${sig.manifest.descriptor.digest}`,
      { as: BOB },
    );
    expect(await byDigest.json()).toMatchObject({ subject: image.manifest.descriptor.digest, tags: [] });
    expect((await call('/projects/team/repositories/team%2Fapi/artifacts/nope', { as: BOB })).status).toBe(
      404,
    );
    expect((await call('/projects/team/repositories/team%2Fapi/artifacts/v1', { as: CAROL })).status).toBe(
      404,
    );
  });
}
