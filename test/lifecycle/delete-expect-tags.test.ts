import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { V2 } from '../helpers/registry-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pushImage } from './support.js';

const dialects = await availableDialects();

// Retention decides from the tags it read; a delete by digest then carries that expectation, so a
// tag pushed in between is never taken along with the manifest.
describe.each(dialects)('a delete by digest with the tags it expects (%s)', (dialect) => {
  let server: TestServer;
  let v2: V2;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
    v2 = new V2(server.url);
  });
  afterAll(() => server?.stop());

  it('deletes nothing (409) when the manifest has other tags than expected, and deletes when they match', async () => {
    const { manifests } = server.wharf.registry;
    const image = await pushImage(v2, 'keep/app', 'v1');
    const digest = image.manifest.digest;
    await expect(manifests.delete('keep/app', digest, { expectTags: [] })).rejects.toMatchObject({
      code: 'WHARF_ERR_CONFLICT',
      status: 409,
      message: `the tags of ${digest} changed (now: v1)`,
    });
    expect((await v2.fetch(`/v2/keep/app/manifests/v1`)).status).toBe(200);
    // A tag arriving after the caller looked: the expectation no longer holds either.
    expect((await v2.putManifest('keep/app', 'late', image.manifest)).status).toBe(201);
    await expect(manifests.delete('keep/app', digest, { expectTags: ['v1'] })).rejects.toMatchObject({
      code: 'WHARF_ERR_CONFLICT',
    });
    expect((await v2.fetch(`/v2/keep/app/manifests/late`)).status).toBe(200);
    expect(await manifests.delete('keep/app', digest, { expectTags: ['late', 'v1'] })).toEqual({
      digest,
      tags: expect.arrayContaining(['v1', 'late']),
    });
    expect((await v2.fetch(`/v2/keep/app/manifests/${digest}`)).status).toBe(404);
  });
});
