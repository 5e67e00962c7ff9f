import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, makeMultiPlatformIndex, sha256, type TestImage } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import { errorCode } from '../helpers/registry-client.js';
import { type ProxyWorld, sleep, startProxyWorld } from './harness.js';

const dialects = await availableDialects();
const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json';

describe.each(dialects)('proxy cache pulls through to a local docker-registry (%s)', (dialect) => {
  let w: ProxyWorld;
  const image = makeImage({ layers: 3, size: 64 * 1024 });
  const moved = makeImage({ layers: 2, size: 16 * 1024 });
  const index = makeMultiPlatformIndex({ layers: 2, size: 8 * 1024 });

  beforeAll(async () => {
    w = await startProxyWorld(dialect);
    await pushArtifact(w.upstream.seed, 'library/app', '1.0', image);
    await pushArtifact(w.upstream.seed, 'library/multi', 'latest', index);
    await w.proxyProject('hub');
  });
  afterAll(() => w?.stop());

  const manifest = (repo: string, ref: string, method = 'GET') =>
    w.v2(`/v2/${repo}/manifests/${ref}`, { method, headers: { accept: ACCEPT } });

  async function expectImage(repo: string, ref: string, a: TestImage): Promise<void> {
    const r = await manifest(repo, ref);
    expect(r.status).toBe(200);
    expect(r.headers.get('docker-content-digest')).toBe(a.manifest.descriptor.digest);
    expect(Buffer.from(await r.arrayBuffer()).equals(a.manifest.bytes)).toBe(true);
    for (const b of a.blobs) {
      const bytes = await w.anonymous.getBlobBytes(repo, b.descriptor.digest as Digest);
      expect(bytes.equals(b.bytes)).toBe(true);
    }
  }

  it('a miss fetches the manifest and blobs from upstream: bytes and digests as upstream has them', async () => {
    await expectImage('hub/library/app', '1.0', image);
    expect(w.upstream.count('GET', '/v2/library/app/manifests/1.0')).toBe(1);
    for (const b of image.blobs)
      expect(w.upstream.count('GET', `/v2/library/app/blobs/${b.descriptor.digest}`)).toBe(1);
    // Stored as any pushed content is: the tag is listed, the blobs are linked.
    const tags = (await (await w.v2('/v2/hub/library/app/tags/list')).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['1.0']);
    for (const b of image.blobs)
      expect(
        await w.server.wharf.meta.blobs.getLinked('hub/library/app', b.descriptor.digest as Digest),
      ).toEqual({
        digest: b.descriptor.digest,
        size: b.bytes.length,
      });
  });

  it('a hit serves from the cache: no upstream GET again, and within the freshness TTL no HEAD either', async () => {
    const before = w.upstream.requests.length;
    await expectImage('hub/library/app', '1.0', image);
    expect(w.upstream.requests.slice(before).filter((r) => r.startsWith('GET'))).toEqual([]);
    // Past the TTL one HEAD checks the tag, and the unchanged digest is served from the cache.
    await sleep(1100);
    await expectImage('hub/library/app', '1.0', image);
    expect(w.upstream.requests.slice(before)).toEqual(['HEAD /v2/library/app/manifests/1.0']);
  });

  it('an index is stored by tag and its children fetched when they are pulled by digest', async () => {
    const r = await manifest('hub/library/multi', 'latest');
    expect(r.headers.get('docker-content-digest')).toBe(index.manifest.descriptor.digest);
    expect(Buffer.from(await r.arrayBuffer()).equals(index.manifest.bytes)).toBe(true);
    const [amd64, arm64] = index.children as [TestImage, TestImage];
    const stored = (d: string) => w.server.wharf.meta.manifests.getByDigest('hub/library/multi', d as Digest);
    expect(await stored(amd64.manifest.descriptor.digest)).toBeUndefined();
    await expectImage('hub/library/multi', amd64.manifest.descriptor.digest, amd64);
    expect(await stored(amd64.manifest.descriptor.digest)).toBeDefined();
    expect(await stored(arm64.manifest.descriptor.digest)).toBeUndefined();
    // HEAD by digest fetches too (and is then a local answer).
    const head = await manifest('hub/library/multi', arm64.manifest.descriptor.digest, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(arm64.manifest.bytes.length);
  });

  it('a tag moved upstream is served at its new digest once the freshness TTL has passed', async () => {
    await pushArtifact(w.upstream.seed, 'library/app', '1.0', moved);
    await sleep(1100);
    await expectImage('hub/library/app', '1.0', moved);
    // The old image stays pullable by digest, from the cache.
    await expectImage('hub/library/app', image.manifest.descriptor.digest, image);
  });

  it('an upstream move the cache may not store (over quota) keeps serving the cached copy', async () => {
    const first = makeImage({ layers: 1, size: 2048 });
    const second = makeImage({ layers: 1, size: 2048 });
    await pushArtifact(w.upstream.seed, 'library/tight', 'v', first);
    await w.proxyProject('tight');
    await expectImage('tight/library/tight', 'v', first);
    const quota = await w.api('/projects/tight', { method: 'PATCH', body: { quotaBytes: 1 } });
    expect(quota.status).toBe(200);
    await pushArtifact(w.upstream.seed, 'library/tight', 'v', second);
    await sleep(1100);
    await expectImage('tight/library/tight', 'v', first);
    await w.api('/projects/tight', { method: 'PATCH', body: { quotaBytes: null } });
    await sleep(1100);
    await expectImage('tight/library/tight', 'v', second);
  });

  for (const mode of ['reset', 'throttle', 'error', 'slow'] as const) {
    it(`upstream ${mode === 'reset' ? 'down' : mode}: the cached copy is served, promptly`, async () => {
      w.upstream.mode = mode;
      w.upstream.slowMs = 5000;
      try {
        await sleep(1100);
        const before = w.upstream.requests.length;
        const started = Date.now();
        await expectImage('hub/library/app', '1.0', moved);
        // The freshness HEAD was tried, and gave up after checkTimeoutMs (400 ms in the test config).
        expect(Date.now() - started).toBeLessThan(2500);
        expect(w.upstream.requests.slice(before)).toEqual(['HEAD /v2/library/app/manifests/1.0']);
      } finally {
        w.upstream.mode = 'pass';
      }
    });
  }

  it('counts what it did in wharf_proxy_events_total', async () => {
    const text = await (await w.v2('/metrics')).text();
    for (const event of ['manifest_fetched', 'manifest_current', 'stale_served', 'blob_fetched'])
      expect(text).toMatch(new RegExp(`wharf_proxy_events_total\\{event="${event}"\\} [1-9]`));
  });

  it('upstream down and nothing cached: 503 naming the upstream, not 500; unknown upstream: 404', async () => {
    await pushArtifact(w.upstream.seed, 'library/other', '1', makeImage({ layers: 1 }));
    w.upstream.mode = 'reset';
    try {
      const r = await manifest('hub/library/other', '1');
      expect(r.status).toBe(503);
      const body = (await r.json()) as { errors: { code: string; message: string }[] };
      expect(body.errors[0]?.code).toBe('WHARF_ERR_UNAVAILABLE');
      expect(body.errors[0]?.message).toContain(new URL(w.upstream.url).host);
      const blob = await w.v2(`/v2/hub/library/other/blobs/sha256:${'0'.repeat(64)}`);
      expect(blob.status).toBe(503);
      w.upstream.mode = 'throttle';
      const throttled = await manifest('hub/library/other', '1');
      expect(throttled.status).toBe(429);
      expect(await errorCode(throttled)).toBe('TOOMANYREQUESTS');
    } finally {
      w.upstream.mode = 'pass';
    }
    // Once the upstream is back, the miss is fetched (a failure is not remembered).
    expect((await manifest('hub/library/other', '1')).status).toBe(200);
    const unknown = await manifest('hub/library/other', 'nope');
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe('MANIFEST_UNKNOWN');
    const unknownRepo = await manifest('hub/library/absent', 'latest');
    expect(unknownRepo.status).toBe(404);
    expect(['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']).toContain(await errorCode(unknownRepo));
    const unknownBlob = await w.v2(`/v2/hub/library/other/blobs/sha256:${'1'.repeat(64)}`);
    expect(unknownBlob.status).toBe(404);
    expect(await errorCode(unknownBlob)).toBe('BLOB_UNKNOWN');
  });

  it('a cached image is still served once the upstream is gone for good', async () => {
    const gone = await startProxyWorld(dialect);
    try {
      const img = makeImage({ layers: 2, size: 4096 });
      await pushArtifact(gone.upstream.seed, 'library/keep', 'v1', img);
      await gone.proxyProject('mirror');
      const pull = async () => {
        const r = await gone.v2('/v2/mirror/library/keep/manifests/v1', { headers: { accept: ACCEPT } });
        expect(r.status).toBe(200);
        expect(r.headers.get('docker-content-digest')).toBe(img.manifest.descriptor.digest);
        for (const b of img.blobs)
          expect(
            (await gone.anonymous.getBlobBytes('mirror/library/keep', b.descriptor.digest as Digest)).equals(
              b.bytes,
            ),
          ).toBe(true);
      };
      await pull();
      await gone.upstream.stop();
      await sleep(1100);
      await pull();
    } finally {
      await gone.server.stop();
    }
  });

  it('clients may not push to a proxy cache project: 405 DENIED saying why', async () => {
    const blob = image.layers[0];
    if (!blob) throw new Error('no layer');
    const upload = await w.v2('/v2/hub/library/app/blobs/uploads/', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('admin:test-admin-password').toString('base64')}` },
    });
    expect(upload.status).toBe(405);
    const body = (await upload.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('DENIED');
    expect(body.errors[0]?.message).toMatch(/proxy cache .* read-only/);
    const put = await w.v2('/v2/hub/library/app/manifests/2.0', {
      method: 'PUT',
      body: image.manifest.bytes,
      headers: {
        'content-type': image.manifest.descriptor.mediaType,
        authorization: `Basic ${Buffer.from('admin:test-admin-password').toString('base64')}`,
      },
    });
    expect(put.status).toBe(405);
    expect(await errorCode(put)).toBe('DENIED');
    expect(sha256(image.manifest.bytes)).toBe(image.manifest.descriptor.digest);
  });
});
