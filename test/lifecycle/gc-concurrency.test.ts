import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { blob, imageManifest, jsonBlob, type TestBlob } from '../helpers/oci.js';
import { errorCode, V2 } from '../helpers/registry-client.js';
import { ADMIN_AUTH, startTestServer, type TestServer } from '../helpers/server.js';
import { expectReadable, type GcRun, gc, scrub } from './support.js';

const dialects = await availableDialects();

const PUSHERS = 6;
const MANIFESTS_PER_PUSHER = 12;
const ATTEMPTS = 40;

interface Acked {
  repo: string;
  tag: string;
  manifest: TestBlob;
  blobs: TestBlob[];
}

/**
 * Puts a blob the way clients do: HEAD first and skip the upload when the registry has it (the
 * path that races GC hardest: the blob may be collected between the HEAD and the manifest PUT),
 * else mount it from `from`, else upload it.
 */
async function ensureBlob(v2: V2, repo: string, b: TestBlob, from?: string): Promise<void> {
  if ((await v2.fetch(`/v2/${repo}/blobs/${b.digest}`, { method: 'HEAD' })).status === 200) return;
  if (from) {
    const m = await v2.fetch(`/v2/${repo}/blobs/uploads/?mount=${b.digest}&from=${from}`, { method: 'POST' });
    await m.arrayBuffer();
    if (m.status === 201) return;
    if (m.status === 202)
      await v2.fetch(new URL(m.headers.get('location') ?? '', v2.base).pathname, { method: 'DELETE' });
  }
  const r = await v2.pushBlob(repo, b);
  if (r.status !== 201) throw new Error(`blob push: ${r.status} ${await r.text()}`);
}

describe.each(dialects)('pushes while garbage collection runs with no grace period (%s)', (dialect) => {
  let server: TestServer;
  let v2: V2;
  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      auth: 'token',
      config: { gc: { graceHours: 0, batchSize: 7 } },
    });
    v2 = new V2(server.url, ADMIN_AUTH);
  });
  afterAll(() => server?.stop());

  it('never ends with a manifest whose blobs are missing', async () => {
    // Blobs uploaded with no manifest: garbage GC is about to collect, which pushers keep reusing.
    const hot = Array.from({ length: 16 }, () => blob(randomInt(200, 3000)));
    for (const b of hot) await ensureBlob(v2, 'race/pool', b);

    const acked: Acked[] = [];
    const refusals = { blobUnknown: 0 };
    let pushing = true;
    const pusher = async (k: number) => {
      const repo = `race/p${k % 3}`;
      for (let n = 0; n < MANIFESTS_PER_PUSHER; n++) {
        const config = jsonBlob({ architecture: 'amd64', os: 'linux', k, n });
        const layers = [blob(randomInt(100, 2000)), hot[randomInt(hot.length)] as TestBlob];
        const manifest = imageManifest(config, layers);
        const tag = `k${k}-n${n}`;
        for (let attempt = 1; ; attempt++) {
          // Sometimes re-push a hot blob on its own too: a link GC may be deleting right now.
          if (randomInt(3) === 0) await ensureBlob(v2, 'race/pool', hot[randomInt(hot.length)] as TestBlob);
          for (const b of [config, ...layers]) await ensureBlob(v2, repo, b, 'race/pool');
          const r = await v2.putManifest(repo, tag, manifest);
          if (r.status === 201) {
            acked.push({ repo, tag, manifest, blobs: [config, ...layers] });
            break;
          }
          // GC unlinked a blob between the check and the write: the push is refused whole; retry.
          expect(r.status, await r.clone().text()).toBe(400);
          expect(await errorCode(r)).toBe('MANIFEST_BLOB_UNKNOWN');
          refusals.blobUnknown++;
          if (attempt >= ATTEMPTS) throw new Error(`${repo}:${tag} refused ${attempt} times`);
        }
      }
    };
    const runs: GcRun[] = [];
    // Back to back, a run with no grace period would unlink every blob before its manifest arrives;
    // a short random pause lets pushes through while runs keep overlapping them.
    const collector = async () => {
      while (pushing) {
        runs.push(await gc(server.url));
        await new Promise((r) => setTimeout(r, randomInt(20, 100)));
      }
    };
    const gcLoop = collector();
    try {
      await Promise.all(Array.from({ length: PUSHERS }, (_, k) => pusher(k)));
    } finally {
      pushing = false;
      await gcLoop;
    }
    runs.push(await gc(server.url));

    // GC did collect while the pushes ran (links of blobs uploaded ahead of their manifests, the pool).
    expect(runs.length).toBeGreaterThan(3);
    expect(runs.reduce((n, r) => n + r.linksRemoved, 0)).toBeGreaterThan(0);
    expect(runs.reduce((n, r) => n + r.blobsDeleted, 0)).toBeGreaterThan(0);
    expect(acked).toHaveLength(PUSHERS * MANIFESTS_PER_PUSHER);
    // Every acknowledged manifest is whole: it and each of its blobs read back with the right digest.
    for (const a of acked) {
      expect((await v2.fetch(`/v2/${a.repo}/manifests/${a.tag}`)).status).toBe(200);
      for (const b of a.blobs) await expectReadable(v2, a.repo, b.digest);
    }
    // And no row lost its file, none is damaged.
    const s = await scrub(server.url);
    expect({ corrupt: s.corrupt, missing: s.missing }).toEqual({ corrupt: 0, missing: 0 });
    console.info(
      `${dialect}: ${runs.length} GC runs, ${runs.reduce((n, r) => n + r.blobsDeleted, 0)} blobs collected, ${refusals.blobUnknown} manifest PUTs refused and retried`,
    );
  }, 120_000);
});
