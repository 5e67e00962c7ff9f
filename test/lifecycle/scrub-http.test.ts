import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { availableDialects } from '../helpers/dialects.js';
import { blob, sha256 } from '../helpers/oci.js';
import { V2 } from '../helpers/registry-client.js';
import { ADMIN_AUTH, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import {
  blobPath,
  exists,
  headStatus,
  type Image,
  plantOrphan,
  pushBlob,
  pushImage,
  scrub,
} from './support.js';

const dialects = await availableDialects();

describe.each(dialects)('scrub over HTTP (%s)', (dialect) => {
  let server: TestServer;
  let v2: V2;
  let images: Image[];
  beforeAll(async () => {
    server = await startTestServer({ dialect, auth: 'token', config: { gc: { graceHours: 0 } } });
    v2 = new V2(server.url, ADMIN_AUTH);
    images = [];
    for (let i = 0; i < 3; i++) images.push(await pushImage(v2, 'team/app', `v${i}`, [blob(2000 + i)]));
  });
  afterAll(() => server?.stop());

  it('finds nothing wrong in a healthy registry', async () => {
    const r = await scrub(server.url);
    expect(r).toMatchObject({ checked: 6, corrupt: 0, missing: 0, problems: [] });
    expect(r.bytes).toBe(
      images.reduce((n, i) => n + i.config.data.length + (i.layers[0]?.data.length ?? 0), 0),
    );
  });

  it('reports flipped bytes, a truncated file and a missing file, and changes nothing', async () => {
    const [a, b, c] = images.map((i) => i.layers[0]);
    if (!a || !b || !c) throw new Error('no layers');
    const flipped = Buffer.from(a.data);
    flipped[10] = (flipped[10] ?? 0) ^ 0xff;
    await writeFile(blobPath(server.dataDir, a.digest), flipped);
    await truncate(blobPath(server.dataDir, b.digest), 100);
    await rm(blobPath(server.dataDir, c.digest));
    // A file without a row is garbage for GC, not a problem for scrub.
    await plantOrphan(server.dataDir);

    const r = await scrub(server.url);
    expect(r).toMatchObject({ checked: 6, corrupt: 2, missing: 1 });
    const byDigest = new Map(r.problems.map((p) => [p.digest, p]));
    expect(byDigest.get(a.digest)).toEqual({
      digest: a.digest,
      size: a.data.length,
      problem: 'corrupt',
      actualDigest: sha256(flipped),
      actualSize: a.data.length,
    });
    expect(byDigest.get(b.digest)).toMatchObject({ problem: 'corrupt', actualSize: 100 });
    expect(byDigest.get(c.digest)).toEqual({
      digest: c.digest,
      size: c.data.length,
      problem: 'missing',
      actualDigest: null,
      actualSize: null,
    });
    expect(r.problems.map((p) => p.digest)).toEqual([...byDigest.keys()].sort());
    // Nothing was repaired or deleted: the rows and the damaged files are as they were.
    expect((await readFile(blobPath(server.dataDir, a.digest))).equals(flipped)).toBe(true);
    expect(await exists(blobPath(server.dataDir, c.digest))).toBe(false);
    expect(await headStatus(v2, 'team/app', a.digest)).toBe(200);
    expect(await headStatus(v2, 'team/app', c.digest)).toBe(200);
  });

  it('a repaired blob (pushed again after its file was removed) scrubs clean', async () => {
    const c = images[2]?.layers[0];
    if (!c) throw new Error('no layer');
    await pushBlob(v2, 'team/app', c);
    const r = await scrub(server.url);
    expect(r.missing).toBe(0);
  });
});

describe('wharf gc and wharf scrub', () => {
  let server: TestServer;
  let host: string;
  beforeAll(async () => {
    server = await startTestServer({ auth: 'token', config: { gc: { graceHours: 0 } } });
    host = new URL(server.url).host;
    const v2 = new V2(server.url, ADMIN_AUTH);
    await pushImage(v2, 'team/app', 'v1');
    await pushBlob(v2, 'team/app', blob(1234));
  });
  afterAll(() => server?.stop());

  async function cli(argv: string) {
    return runCliCaptured([...argv.split(' '), '-u', 'admin', '-p', ADMIN_PASSWORD], {
      env: { WHARF_REGISTRY: host, HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' },
    });
  }

  it('gc --dry-run --json reports without deleting; gc deletes the same; --history lists both', async () => {
    const dry = await cli('gc --dry-run --json');
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(dry.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      dryRun: true,
      linksRemoved: 1,
      blobsDeleted: 1,
      blobBytes: 1234,
      error: null,
    });

    const real = await cli('gc');
    expect(real).toMatchObject({ code: 0, stderr: '' });
    expect(real.stdout).toMatch(/^Run: {2,}\d+$/m);
    expect(real.stdout).toMatch(/^Dry run: +no$/m);
    expect(real.stdout).toMatch(/^Links removed: +1$/m);
    expect(real.stdout).toMatch(/^Blobs deleted: +1 \(1\.2 KiB\)$/m);

    const history = await cli('gc --history');
    expect(history.code).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^RUN +STARTED +TRIGGER +DRY +LINKS +BLOBS +ORPHANS +UPLOADS +FREED +DURATION +ERROR$/,
    );
    // STARTED is two words (date, time): DRY is the fifth.
    expect(lines.slice(1).map((l) => l.split(/\s+/)[4])).toEqual(['no', 'yes']);
  });

  it('scrub prints a summary; exits 1 and lists the problem when a blob is damaged', async () => {
    const ok = await cli('scrub');
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^checked 2 blob\(s\), .* 0 corrupt, 0 missing$/m);
    const v2 = new V2(server.url, ADMIN_AUTH);
    const layer = blob(999);
    await pushImage(v2, 'team/app', 'v2', [layer]);
    await rm(blobPath(server.dataDir, layer.digest));
    const bad = await cli('scrub');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/0 corrupt, 1 missing$/m);
    expect(bad.stdout).toContain(`${layer.digest}  missing`);
    const json = await cli('scrub --json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ missing: 1, problems: [{ digest: layer.digest }] });
  });

  it('refuses a caller who is not a system administrator, in one line', async () => {
    await server.wharf.access.createUser({ username: 'dev', password: 'dev-password-123' });
    const out = await runCliCaptured(['gc', '-u', 'dev', '-p', 'dev-password-123'], {
      env: { WHARF_REGISTRY: host },
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^wharf: .*only system administrators may do this.*\n$/);
  });
});
