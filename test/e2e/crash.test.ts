import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChildServer, ensureBuilt, sleep } from '../helpers/child-server.js';
import { availableDialects } from '../helpers/dialects.js';
import { blob, imageManifest, jsonBlob, sha256 } from '../helpers/oci.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { V2 } from '../helpers/registry-client.js';
import type { Dialect } from '../helpers/server.js';
import { blobFiles, fileSize, rangeEnd, StreamingRequest, waitForFileSize } from './support/http.js';

const KiB = 1024;

/** Servers and directories of the running test; cleaned up after each, pass or fail. */
const servers: ChildServer[] = [];
const dirs: string[] = [];
const databases: TestDatabase[] = [];
const dialects = await availableDialects();

/** undefined for SQLite (in the data dir); a fresh database URL for PostgreSQL. */
async function databaseFor(dialect: Dialect): Promise<string | undefined> {
  if (dialect === 'sqlite') return undefined;
  const db = await createTestDatabase();
  if (!db) throw new Error('PostgreSQL is not reachable');
  databases.push(db);
  return db.url;
}

async function freshDataDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'wharf-e2e-crash-'));
  dirs.push(parent);
  const dataDir = join(parent, 'data');
  await mkdir(dataDir);
  return dataDir;
}

async function start(
  dataDir: string,
  env: Record<string, string> = {},
  database?: string,
): Promise<ChildServer> {
  const s = await ChildServer.start({ dataDir, auth: 'none', env, ...(database ? { database } : {}) });
  servers.push(s);
  return s;
}

async function restart(s: ChildServer, signal: NodeJS.Signals = 'SIGKILL'): Promise<ChildServer> {
  const next = await s.restart(signal);
  servers.push(next);
  return next;
}

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGKILL')));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

/** POST /blobs/uploads/ → the upload's Location path and id. */
async function startUpload(v2: V2, repo: string): Promise<{ location: string; id: string }> {
  const r = await v2.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  expect(r.status).toBe(202);
  const location = r.headers.get('location') ?? '';
  const id = location.split('/').pop() ?? '';
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return { location: location.startsWith('http') ? new URL(location).pathname : location, id };
}

async function patchChunk(
  v2: V2,
  location: string,
  data: Buffer,
  start: number,
): Promise<number | undefined> {
  const r = await v2.fetch(location, {
    method: 'PATCH',
    body: data,
    headers: {
      'content-type': 'application/octet-stream',
      'content-range': `${start}-${start + data.length - 1}`,
    },
  });
  expect(r.status, await r.clone().text()).toBe(202);
  return rangeEnd(r.headers.get('range'));
}

/** Starts a PATCH of `chunk` at `start` and sends only its first `sent` bytes (in 16 KiB pieces). */
async function beginSlowPatch(
  server: ChildServer,
  location: string,
  chunk: Buffer,
  start: number,
  sent: number,
): Promise<StreamingRequest> {
  const req = new StreamingRequest(`${server.url}${location}`, 'PATCH', {
    'content-type': 'application/octet-stream',
    'content-length': chunk.length,
    'content-range': `${start}-${start + chunk.length - 1}`,
  });
  for (let off = 0; off < sent; off += 16 * KiB) {
    await req.write(chunk.subarray(off, Math.min(off + 16 * KiB, sent)));
    await sleep(5);
  }
  return req;
}

/**
 * After a crash or stop: the blob is not visible, and the upload either resumes from a Range that
 * matches the bytes on disk (which must be a prefix of the blob) or is cleanly gone. Completes the
 * blob either way and checks it is byte-identical.
 */
async function expectResumableOrGone(
  server: ChildServer,
  repo: string,
  upload: { location: string; id: string },
  content: Buffer,
  acknowledged: number,
): Promise<'resumed' | 'gone'> {
  const v2 = new V2(server.url);
  const digest = sha256(content);
  const blobPath = join(server.options.dataDir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7));
  expect((await v2.fetch(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
  expect(await fileSize(blobPath)).toBe(-1);

  const status = await v2.fetch(upload.location);
  let outcome: 'resumed' | 'gone';
  if (status.status === 404) {
    expect(((await status.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
      'BLOB_UPLOAD_UNKNOWN',
    );
    outcome = 'gone';
    const r = await v2.pushBlob(repo, { data: content, digest });
    expect(r.status).toBe(201);
  } else {
    expect(status.status).toBe(204);
    expect(status.headers.get('docker-upload-uuid')).toBe(upload.id);
    const offset = rangeEnd(status.headers.get('range'));
    if (offset === undefined) throw new Error(`no usable Range header: ${status.headers.get('range')}`);
    // The Range is what is on disk, at least every acknowledged byte, and a prefix of the blob.
    const onDisk = await readFile(join(server.options.dataDir, 'uploads', upload.id));
    expect(offset).toBe(onDisk.length);
    expect(offset).toBeGreaterThanOrEqual(acknowledged);
    expect(offset).toBeLessThanOrEqual(content.length);
    expect(onDisk.equals(content.subarray(0, offset))).toBe(true);
    outcome = 'resumed';
    if (offset < content.length) await patchChunk(v2, upload.location, content.subarray(offset), offset);
    const put = await v2.fetch(`${upload.location}?digest=${digest}`, { method: 'PUT' });
    expect(put.status, await put.clone().text()).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(digest);
  }
  const got = await v2.fetch(`/v2/${repo}/blobs/${digest}`);
  expect(got.status).toBe(200);
  expect(Buffer.from(await got.arrayBuffer()).equals(content)).toBe(true);
  expect((await readFile(blobPath)).equals(content)).toBe(true);
  return outcome;
}

describe('a real `wharf serve` process killed mid-upload (SQLite)', () => {
  it('SIGKILL in the middle of a chunk body leaves no partial blob; the upload resumes or is gone', async () => {
    const dataDir = await freshDataDir();
    let server = await start(dataDir);
    const v2 = new V2(server.url);
    const repo = 'crash/upload';
    const content = randomBytes(640 * KiB);
    const upload = await startUpload(v2, repo);
    const chunk = 128 * KiB;
    expect(await patchChunk(v2, upload.location, content.subarray(0, chunk), 0)).toBe(chunk);
    expect(await patchChunk(v2, upload.location, content.subarray(chunk, 2 * chunk), chunk)).toBe(2 * chunk);

    // A third chunk of 384 KiB of which 160 KiB are sent; kill once the server has stored some of it.
    const third = content.subarray(2 * chunk);
    const slow = await beginSlowPatch(server, upload.location, third, 2 * chunk, 160 * KiB);
    const uploadFile = join(dataDir, 'uploads', upload.id);
    const reached = await waitForFileSize(uploadFile, 2 * chunk + 1);
    await server.kill('SIGKILL');
    await expect(slow.response).rejects.toThrow();
    expect(reached).toBeLessThanOrEqual(2 * chunk + 160 * KiB);

    server = await restart(server);
    const outcome = await expectResumableOrGone(server, repo, upload, content, 2 * chunk);
    expect(['resumed', 'gone']).toContain(outcome);
    for (const f of await blobFiles(dataDir)) expect(f.actual).toBe(f.name);
  });

  it('SIGTERM while a chunk is in flight: it completes, the server exits 0, and the upload resumes', async () => {
    const dataDir = await freshDataDir();
    const env = { WHARF_LIMITS_SHUTDOWN_GRACE_SECONDS: '3' };
    let server = await start(dataDir, env);
    const v2 = new V2(server.url);
    const repo = 'crash/graceful';
    const content = randomBytes(512 * KiB);
    const upload = await startUpload(v2, repo);
    await patchChunk(v2, upload.location, content.subarray(0, 128 * KiB), 0);

    const second = content.subarray(128 * KiB, 384 * KiB);
    const slow = await beginSlowPatch(server, upload.location, second, 128 * KiB, 128 * KiB);
    await waitForFileSize(join(dataDir, 'uploads', upload.id), 128 * KiB + 1);
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    await sleep(300);
    // The rest of the body arrives after the signal: an in-flight request is allowed to finish.
    for (let off = 128 * KiB; off < second.length; off += 16 * KiB) {
      await slow.write(second.subarray(off, off + 16 * KiB));
    }
    slow.end();
    const res = await slow.response;
    expect(res.status, res.body).toBe(202);
    expect(rangeEnd(res.headers.range as string | undefined)).toBe(384 * KiB);
    const exit = await server.exited;
    expect(exit, server.stderr).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(3000 + 2000);

    server = await restart(server);
    expect(await expectResumableOrGone(server, repo, upload, content, 384 * KiB)).toBe('resumed');
  });

  it('SIGTERM with a stalled chunk: the server exits 0 after the grace period and the upload resumes', async () => {
    const dataDir = await freshDataDir();
    const env = { WHARF_LIMITS_SHUTDOWN_GRACE_SECONDS: '2' };
    let server = await start(dataDir, env);
    const v2 = new V2(server.url);
    const repo = 'crash/stalled';
    const content = randomBytes(384 * KiB);
    const upload = await startUpload(v2, repo);
    await patchChunk(v2, upload.location, content.subarray(0, 128 * KiB), 0);

    // 64 KiB of a 256 KiB chunk, then silence: the client never finishes.
    const slow = await beginSlowPatch(
      server,
      upload.location,
      content.subarray(128 * KiB),
      128 * KiB,
      64 * KiB,
    );
    await waitForFileSize(join(dataDir, 'uploads', upload.id), 128 * KiB + 1);
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    const took = Date.now() - t0;
    expect(exit, server.stderr).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(2000 + 3000);
    await slow.response.catch(() => undefined);
    slow.destroy();

    server = await restart(server);
    expect(await expectResumableOrGone(server, repo, upload, content, 128 * KiB)).toBe('resumed');
  });
});

describe.each(dialects)('SIGKILL during concurrent manifest pushes (%s)', (dialect) => {
  it('8 pushers killed 3 times leave every tag, manifest and blob whole', async () => {
    const dataDir = await freshDataDir();
    let server = await start(dataDir, {}, await databaseFor(dialect));
    const repos = ['crash/push-a', 'crash/push-b'];
    /** repo:tag → manifest digest, for every PUT the server acknowledged with 201. */
    const acked = new Map<string, string>();
    const unexpected: string[] = [];

    for (let cycle = 0; cycle < 3; cycle++) {
      const url = server.url;
      const shared = blob(64 * KiB); // pushed by every client at once: concurrent commits of one digest
      const pusher = async (client: number): Promise<number> => {
        const v2 = new V2(url);
        const repo = repos[client % repos.length] ?? 'crash/push-a';
        let pushed = 0;
        for (let n = 0; ; n++) {
          try {
            const config = jsonBlob({
              architecture: 'amd64',
              os: 'linux',
              cycle,
              client,
              n,
              r: randomInt(1e9),
            });
            const layers = [blob(randomInt(1, 48) * KiB), shared];
            for (const b of [config, ...layers]) {
              const r = await v2.pushBlob(repo, b);
              if (r.status !== 201) unexpected.push(`blob ${r.status} ${await r.text()}`);
            }
            const manifest = imageManifest(config, layers);
            const tag = `c${cycle}-k${client}-n${n}`;
            const r = await v2.putManifest(repo, tag, manifest);
            if (r.status === 201) {
              acked.set(`${repo}:${tag}`, manifest.digest);
              pushed++;
            } else unexpected.push(`manifest ${r.status} ${await r.text()}`);
          } catch {
            return pushed; // the server is gone
          }
        }
      };
      const before = acked.size;
      const clients = Array.from({ length: 8 }, (_, i) => pusher(i));
      // Kill 300–500 ms into the pushing, counted from the first acknowledgements (a loaded CI
      // machine may need a while for the first ones).
      for (let waited = 0; acked.size < before + 4 && waited < 10_000; waited += 20) await sleep(20);
      await sleep(300 + randomInt(200));
      await server.kill('SIGKILL');
      const counts = await Promise.all(clients);
      expect(unexpected).toEqual([]);
      expect(
        counts.reduce((a, b) => a + b, 0),
        'pushes acknowledged before the kill',
      ).toBeGreaterThan(0);

      server = await restart(server);
      await expectConsistent(server, repos, acked);
    }
  });
});

/**
 * The crash invariants: every acknowledged tag survived and points where it did; every listed tag
 * resolves to a manifest whose blobs all answer; every blob file hashes to its name.
 */
async function expectConsistent(
  server: ChildServer,
  repos: string[],
  acked: Map<string, string>,
): Promise<void> {
  const v2 = new V2(server.url);
  const fetched = new Set<string>();
  for (const repo of repos) {
    const list = await v2.fetch(`/v2/${repo}/tags/list`);
    const tags = list.status === 200 ? (((await list.json()) as { tags: string[] | null }).tags ?? []) : [];
    if (list.status !== 200) expect(list.status).toBe(404);
    for (const [key, digest] of acked) {
      if (!key.startsWith(`${repo}:`)) continue;
      const tag = key.slice(repo.length + 1);
      expect(tags, `acknowledged tag ${key} after restart`).toContain(tag);
      const head = await v2.fetch(`/v2/${repo}/manifests/${tag}`, { method: 'HEAD' });
      expect(head.headers.get('docker-content-digest'), key).toBe(digest);
    }
    await Promise.all(
      chunks(tags, 8).map(async (part) => {
        for (const tag of part) await expectManifestWhole(v2, repo, tag, fetched);
      }),
    );
  }
  for (const f of await blobFiles(server.options.dataDir)) expect(f.actual, f.path).toBe(f.name);
}

/** HEAD answers for every blob; a GET (content checked) once per repository and digest. */
async function expectManifestWhole(v2: V2, repo: string, tag: string, fetched: Set<string>): Promise<void> {
  const m = await v2.fetch(`/v2/${repo}/manifests/${tag}`);
  expect(m.status, `${repo}:${tag}`).toBe(200);
  const body = Buffer.from(await m.arrayBuffer());
  expect(m.headers.get('docker-content-digest')).toBe(sha256(body));
  const doc = JSON.parse(body.toString('utf8')) as { config: TestDescriptor; layers: TestDescriptor[] };
  for (const d of [doc.config, ...doc.layers]) {
    const r = await v2.fetch(`/v2/${repo}/blobs/${d.digest}`, { method: 'HEAD' });
    expect(r.status, `${repo}:${tag} blob ${d.digest}`).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(d.size));
    if (fetched.has(`${repo}@${d.digest}`)) continue;
    fetched.add(`${repo}@${d.digest}`);
    const g = await v2.fetch(`/v2/${repo}/blobs/${d.digest}`);
    expect(g.status, `GET ${repo} blob ${d.digest}`).toBe(200);
    expect(sha256(Buffer.from(await g.arrayBuffer()))).toBe(d.digest);
  }
}

interface TestDescriptor {
  digest: string;
  size: number;
}

function chunks<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  for (const [i, item] of items.entries()) out[i % n]?.push(item);
  return out;
}
