import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/index.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeMultiPlatformIndex } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
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

  it('with unused, deletes nothing (409) while an index lists the manifest', async () => {
    const { manifests } = server.wharf.registry;
    const index = makeMultiPlatformIndex();
    await pushArtifact(new RegistryClient({ registry: new URL(server.url).host }), 'idx/app', 'multi', index);
    const child = index.children[0]?.manifest.descriptor.digest ?? '';
    await expect(manifests.delete('idx/app', child, { expectTags: [], unused: true })).rejects.toMatchObject({
      code: 'WHARF_ERR_CONFLICT',
      message: `${child} is listed by index ${index.manifest.descriptor.digest}`,
    });
    expect((await v2.fetch(`/v2/idx/app/manifests/${child}`)).status).toBe(200);
    await manifests.delete('idx/app', index.manifest.descriptor.digest, {
      expectTags: ['multi'],
      unused: true,
    });
    await manifests.delete('idx/app', child, { expectTags: [], unused: true });
    expect((await v2.fetch(`/v2/idx/app/manifests/${child}`)).status).toBe(404);
  });
});
