import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSkopeo, Skopeo } from '../e2e/support/skopeo.js';
import { makeTarIndex } from '../e2e/support/tar-image.js';
import { allContent } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import { type ProxyWorld, startProxyWorld } from './harness.js';

describe.skipIf(!hasSkopeo())('skopeo pulls from a proxy cache project', () => {
  const index = makeTarIndex({ layers: 3, size: 8192 });
  let w: ProxyWorld;
  let skopeo: Skopeo;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wharf-proxy-skopeo-'));
    skopeo = await Skopeo.create();
    w = await startProxyWorld('sqlite');
    await pushArtifact(w.upstream.seed, 'library/nginx', '1.27', index);
    await w.proxyProject('proxy-project');
  });
  afterAll(async () => {
    await w?.stop();
    await skopeo?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const copyOut = (dir: string) =>
    skopeo.ok([
      'copy',
      '--all',
      '--preserve-digests',
      '--dest-oci-accept-uncompressed-layers',
      '--src-tls-verify=false',
      `docker://${w.host}/proxy-project/library/nginx:1.27`,
      `oci:${dir}:1.27`,
    ]);

  async function expectLayout(dir: string): Promise<void> {
    const doc = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(doc.manifests[0]?.digest).toBe(index.manifest.descriptor.digest);
    const files = new Set(await readdir(join(dir, 'blobs', 'sha256')));
    for (const b of allContent(index)) {
      expect(files.has(b.descriptor.digest.slice(7)), b.descriptor.digest).toBe(true);
      const bytes = await readFile(join(dir, 'blobs', 'sha256', b.descriptor.digest.slice(7)));
      expect(bytes.equals(b.bytes)).toBe(true);
    }
  }

  it('copies a multi-platform image out byte-identical, anonymously (public project), then from the cache', async () => {
    await copyOut(join(work, 'first'));
    await expectLayout(join(work, 'first'));
    const gets = w.upstream.requests.filter((r) => r.startsWith('GET')).length;
    expect(gets).toBe(allContent(index).length);
    // Upstream gone: the second copy is served from what the first one cached.
    await w.upstream.stop();
    await copyOut(join(work, 'second'));
    await expectLayout(join(work, 'second'));
  });
});
