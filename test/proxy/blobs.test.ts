import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { availableDialects } from '../helpers/dialects.js';
import { blobOf, makeImage, OCI_LAYER, sha256, type TestBlob, type TestImage } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import { type ProxyWorld, sleep, startProxyWorld } from './harness.js';

const dialects = await availableDialects();

function layerOf(image: TestImage): TestBlob {
  const layer = image.layers[0];
  if (!layer) throw new Error('no layer');
  return layer;
}

describe.each(dialects)('proxy cache blobs (%s)', (dialect) => {
  let w: ProxyWorld;
  const big = makeImage({ layers: 1, size: 4 * 1024 * 1024 });
  const huge = makeImage({ layers: 1, size: 8 * 1024 * 1024 });
  const broken = makeImage({ layers: 1, size: 2 * 1024 * 1024 });
  const small = makeImage({ layers: 2, size: 32 * 1024 });

  beforeAll(async () => {
    w = await startProxyWorld(dialect);
    await pushArtifact(w.upstream.seed, 'library/big', '1', big);
    await pushArtifact(w.upstream.seed, 'library/huge', '1', huge);
    await pushArtifact(w.upstream.seed, 'library/broken', '1', broken);
    await pushArtifact(w.upstream.seed, 'library/small', '1', small);
    await w.proxyProject('hub');
  });
  afterAll(() => w?.stop());

  const blobUrl = (repo: string, b: TestBlob) => `/v2/${repo}/blobs/${b.descriptor.digest}`;
  const stored = (b: TestBlob) => w.server.wharf.meta.blobs.get(b.descriptor.digest as Digest);
  const uploadsLeft = async () => ({
    rows: await w.server.wharf.meta.uploads.count(),
    files: await readdir(join(w.server.dataDir, 'uploads')),
  });

  async function waitStored(b: TestBlob): Promise<void> {
    for (let i = 0; i < 200 && !(await stored(b)); i++) await sleep(50);
  }

  it('concurrent misses for one blob fetch it from upstream once; every client gets the same bytes', async () => {
    const layer = layerOf(big);
    await w.anonymous.getManifest('hub/library/big', '1');
    w.upstream.throttleBlob.set(layer.descriptor.digest, 256 * 1024); // ~0.8 s: the misses overlap
    const bodies = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const r = await w.v2(blobUrl('hub/library/big', layer));
        expect(r.status).toBe(200);
        return Buffer.from(await r.arrayBuffer());
      }),
    );
    for (const body of bodies) expect(body.equals(layer.bytes)).toBe(true);
    expect(w.upstream.count('GET', `/v2/library/big/blobs/${layer.descriptor.digest}`)).toBe(1);
    expect(await uploadsLeft()).toEqual({ rows: 0, files: [] });
  });

  it('a client that disconnects mid-blob leaves nothing partial: the blob is absent or complete', async () => {
    const layer = layerOf(huge);
    await w.anonymous.getManifest('hub/library/huge', '1');
    w.upstream.throttleBlob.set(layer.descriptor.digest, 512 * 1024);
    const ac = new AbortController();
    const r = await w.v2(blobUrl('hub/library/huge', layer), { signal: ac.signal });
    expect(r.status).toBe(200);
    const reader = r.body?.getReader();
    const first = await reader?.read();
    expect(first?.value?.length).toBeGreaterThan(0);
    ac.abort();
    await reader?.cancel().catch(() => undefined);
    // Mid-fetch: not visible anywhere yet (no row, not linked).
    expect(await stored(layer)).toBeUndefined();
    expect((await w.v2(blobUrl('hub/library/huge', layer), { method: 'HEAD' })).status).toBe(200); // upstream's answer
    // The fetch goes on without the client and the stored copy, once there, is whole and verified.
    await waitStored(layer);
    expect(await stored(layer)).toEqual({ digest: layer.descriptor.digest, size: layer.bytes.length });
    const again = await w.v2(blobUrl('hub/library/huge', layer));
    expect(sha256(Buffer.from(await again.arrayBuffer()))).toBe(layer.descriptor.digest);
    expect(w.upstream.count('GET', `/v2/library/huge/blobs/${layer.descriptor.digest}`)).toBe(1);
    expect(await uploadsLeft()).toEqual({ rows: 0, files: [] });
  });

  it('an upstream that breaks off mid-blob: the client sees a failed body, nothing is stored', async () => {
    const layer = layerOf(broken);
    await w.anonymous.getManifest('hub/library/broken', '1');
    w.upstream.truncate.add(layer.descriptor.digest);
    const r = await w.v2(blobUrl('hub/library/broken', layer));
    // Headers went out before the break; the body cannot complete (never a complete wrong body).
    const body = await r.arrayBuffer().then(
      (b) => Buffer.from(b),
      () => undefined,
    );
    expect(body?.equals(layer.bytes) ?? false).toBe(false);
    await sleep(200);
    expect(await stored(layer)).toBeUndefined();
    expect(await uploadsLeft()).toEqual({ rows: 0, files: [] });
    w.upstream.truncate.delete(layer.descriptor.digest);
    const ok = await w.v2(blobUrl('hub/library/broken', layer));
    expect(Buffer.from(await ok.arrayBuffer()).equals(layer.bytes)).toBe(true);
  });

  it('HEAD of a blob not fetched yet answers from upstream without fetching it', async () => {
    await w.anonymous.getManifest('hub/library/small', '1');
    const [config] = small.blobs as [TestBlob];
    const r = await w.v2(blobUrl('hub/library/small', config), { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('content-length'))).toBe(config.bytes.length);
    expect(w.upstream.count('GET', `/v2/library/small/blobs/${config.descriptor.digest}`)).toBe(0);
    expect(await stored(config)).toBeUndefined();
  });

  it('a range on a miss is served from the stored copy once fetched', async () => {
    const layer = small.layers[1] as TestBlob;
    const r = await w.v2(blobUrl('hub/library/small', layer), { headers: { range: 'bytes=100-199' } });
    expect(r.status).toBe(206);
    expect(Buffer.from(await r.arrayBuffer()).equals(layer.bytes.subarray(100, 200))).toBe(true);
    expect(await stored(layer)).toBeDefined();
  });

  it('a blob the registry already stores is linked for another repository once upstream confirms it', async () => {
    const shared = layerOf(small);
    await w.anonymous.getBlobBytes('hub/library/small', shared.descriptor.digest as Digest);
    const other = makeImage({ layers: 1, size: 1024 });
    const extra = blobOf(shared.bytes, OCI_LAYER);
    const sibling: TestImage = { ...other, layers: [extra], blobs: [other.config, extra] };
    sibling.manifest = blobOf(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: other.manifest.descriptor.mediaType,
          config: other.config.descriptor,
          layers: [extra.descriptor],
        }),
      ),
      other.manifest.descriptor.mediaType,
    );
    await pushArtifact(w.upstream.seed, 'library/sibling', '1', sibling);
    await w.anonymous.getManifest('hub/library/sibling', '1');
    const bytes = await w.anonymous.getBlobBytes('hub/library/sibling', shared.descriptor.digest as Digest);
    expect(bytes.equals(shared.bytes)).toBe(true);
    expect(w.upstream.count('HEAD', `/v2/library/sibling/blobs/${shared.descriptor.digest}`)).toBe(1);
    expect(w.upstream.count('GET', `/v2/library/sibling/blobs/${shared.descriptor.digest}`)).toBe(0);
  });
});
