import { randomInt } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChildServer, ensureBuilt, sleep } from '../helpers/child-server.js';
import { availableDialects } from '../helpers/dialects.js';
import { blob, type TestBlob } from '../helpers/oci.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { V2 } from '../helpers/registry-client.js';
import { ADMIN_AUTH } from '../helpers/server.js';
import { expectReadable, type GcRun, gc, type Image, plantOrphan, pushImage, scrub } from './support.js';

const dialects = await availableDialects();
const GARBAGE = 2500;
const IMAGES = 8;

const servers: ChildServer[] = [];
const dirs: string[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGKILL')));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

async function blobFileCount(dataDir: string): Promise<number> {
  const root = join(dataDir, 'blobs', 'sha256');
  const shards = await readdir(root).catch(() => [] as string[]);
  const counts = await Promise.all(shards.map((s) => readdir(join(root, s)).then((f) => f.length)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Runs `fn` on `items`, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

describe.each(dialects)(
  'a real `wharf serve` killed in the middle of a garbage collection (%s)',
  (dialect) => {
    it('leaves no blob row without its file, and the next run finishes the job', async () => {
      const parent = await mkdtemp(join(tmpdir(), 'wharf-gc-crash-'));
      dirs.push(parent);
      const dataDir = join(parent, 'data');
      await mkdir(dataDir);
      let database: string | undefined;
      if (dialect === 'postgres') {
        const db = await createTestDatabase();
        if (!db) throw new Error('PostgreSQL is not reachable');
        databases.push(db);
        database = db.url;
      }
      // Small batches: many short transactions, so the kill lands between a commit and its files.
      const env = { WHARF_GC_GRACE_HOURS: '0', WHARF_GC_BATCH_SIZE: '25' };
      let server = await ChildServer.start({ dataDir, env, ...(database ? { database } : {}) });
      servers.push(server);
      let v2 = new V2(server.url, ADMIN_AUTH);

      const images: Image[] = [];
      for (let i = 0; i < IMAGES; i++) images.push(await pushImage(v2, 'keep/app', `v${i}`));
      const garbage: TestBlob[] = Array.from({ length: GARBAGE }, () => blob(randomInt(64, 512)));
      await pool(garbage, 8, async (b) => {
        const r = await v2.pushBlob('junk/app', b);
        expect(r.status).toBe(201);
      });
      const planted = [await plantOrphan(dataDir, 300), await plantOrphan(dataDir, 400)];
      const referenced = IMAGES * 2;
      const before = await blobFileCount(dataDir);
      expect(before).toBe(referenced + GARBAGE + planted.length);

      // Collect, and kill the process once a few hundred files have gone (well before all of them).
      const running = gc(server.url).catch(() => undefined);
      let now = before;
      const deadline = Date.now() + 60_000;
      while (now > before - 200 && Date.now() < deadline) {
        await sleep(5);
        now = await blobFileCount(dataDir);
      }
      await server.kill('SIGKILL');
      await running;
      const afterKill = await blobFileCount(dataDir);
      expect(afterKill).toBeLessThan(before);
      // It really was in the middle: most of the garbage is still on disk.
      expect(afterKill).toBeGreaterThan(referenced + GARBAGE / 2);

      server = await server.restart();
      servers.push(server);
      v2 = new V2(server.url, ADMIN_AUTH);
      // No row lost its file: scrub reads back every blob the metadata records.
      const s = await scrub(server.url);
      expect({ corrupt: s.corrupt, missing: s.missing }).toEqual({ corrupt: 0, missing: 0 });
      for (const image of images) {
        expect((await v2.fetch(`/v2/keep/app/manifests/${image.manifest.digest}`)).status).toBe(200);
        for (const b of [image.config, ...image.layers]) await expectReadable(v2, 'keep/app', b.digest);
      }

      // The next run finishes the job: the rest of the garbage, and the files the crash left without rows.
      const next: GcRun = await gc(server.url);
      expect(next.orphanFiles).toBeGreaterThanOrEqual(planted.length);
      expect(await blobFileCount(dataDir)).toBe(referenced);
      expect((await scrub(server.url)).checked).toBe(referenced);
      for (const image of images) {
        for (const b of [image.config, ...image.layers]) await expectReadable(v2, 'keep/app', b.digest);
      }
    }, 180_000);
  },
);
