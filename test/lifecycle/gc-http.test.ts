import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded } from '../api/harness.js';
import { coverageGaps, type OpenApiDoc } from '../api/support/coverage.js';
import { availableDialects } from '../helpers/dialects.js';
import { blob, imageManifest, type TestBlob } from '../helpers/oci.js';
import { V2 } from '../helpers/registry-client.js';
import { ADMIN_AUTH, startTestServer, type TestServer } from '../helpers/server.js';
import {
  api,
  blobPath,
  counts,
  exists,
  expectReadable,
  type GcRun,
  gc,
  headStatus,
  type Image,
  plantOrphan,
  pushBlob,
  pushImage,
  stageImage,
} from './support.js';

const dialects = await availableDialects();
let doc: OpenApiDoc | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(dialects)('garbage collection over HTTP (%s)', (dialect) => {
  let server: TestServer;
  let v2: V2;
  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      auth: 'token',
      config: { gc: { graceHours: 0 }, uploads: { ttlSeconds: 1 } },
    });
    v2 = new V2(server.url, ADMIN_AUTH);
    doc ??= (await api<OpenApiDoc>(server.url, 'GET', '/openapi.json')).body;
  });
  afterAll(() => server?.stop());

  /** What the state below holds, and what a run must remove of it. */
  let kept: { repo: string; image: Image }[];
  let garbage: TestBlob[];
  let shared: TestBlob;
  let unlinkedButReferenced: TestBlob;

  it('a dry run reports exactly what the real run then removes, and a second run finds nothing', async () => {
    const app = 'team/app';
    const other = 'team/other';
    shared = blob(1100);
    unlinkedButReferenced = blob(1200);
    const tagged = await pushImage(v2, app, 'v1', [shared, unlinkedButReferenced]);
    // Untagged manifests are retention's business: pushed by digest, they keep their blobs.
    const untagged = await stageImage(v2, app);
    expect((await v2.putManifest(app, untagged.manifest.digest, untagged.manifest)).status).toBe(201);
    // A referrer (a signature-like artifact) keeps its blobs too.
    const sigLayer = blob(300);
    await pushBlob(v2, app, sigLayer);
    const referrer = imageManifest(tagged.config, [sigLayer], {
      subject: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: tagged.manifest.digest,
        size: tagged.manifest.data.length,
      },
    });
    expect((await v2.putManifest(app, referrer.digest, referrer)).status).toBe(201);
    // Deleted: its config and layer are unreferenced now (2 links, 2 blobs).
    const deleted = await pushImage(v2, app, 'v2');
    expect(
      (await v2.fetch(`/v2/${app}/manifests/${deleted.manifest.digest}`, { method: 'DELETE' })).status,
    ).toBe(202);
    // Uploaded and never used (1 link, 1 blob); uploaded to two repositories (2 links, 1 blob).
    const lone = blob(900);
    await pushBlob(v2, app, lone);
    const twice = blob(800);
    await pushBlob(v2, app, twice);
    await pushBlob(v2, other, twice);
    // A used blob uploaded to another repository too: that link goes, the blob stays (1 link).
    await pushBlob(v2, other, shared);
    // A used blob whose link was deleted by hand: still referenced, so it stays.
    expect(
      (await v2.fetch(`/v2/${app}/blobs/${unlinkedButReferenced.digest}`, { method: 'DELETE' })).status,
    ).toBe(202);
    // A file without a row, and an upload session idle past uploads.ttlSeconds.
    const orphan = await plantOrphan(server.dataDir, 777);
    expect((await v2.fetch(`/v2/${app}/blobs/uploads/`, { method: 'POST' })).status).toBe(202);
    await sleep(1100);

    garbage = [deleted.config, ...deleted.layers, lone, twice];
    kept = [
      { repo: app, image: tagged },
      { repo: app, image: untagged },
      { repo: app, image: { config: tagged.config, layers: [sigLayer], manifest: referrer } },
    ];
    const expected = {
      linksRemoved: 6,
      blobsDeleted: 4,
      blobBytes: garbage.reduce((n, b) => n + b.data.length, 0),
      orphanFiles: 1,
      orphanBytes: 777,
      uploadsExpired: 1,
      bytesFreed: garbage.reduce((n, b) => n + b.data.length, 0) + 777,
    };

    const dry = await gc(server.url, true);
    expect(dry).toMatchObject({ dryRun: true, trigger: 'api', graceHours: 0 });
    expect(counts(dry)).toEqual(expected);
    // A dry run changes nothing: the same report again, every file still there.
    expect(counts(await gc(server.url, true))).toEqual(expected);
    for (const b of [...garbage, orphan]) expect(await exists(blobPath(server.dataDir, b.digest))).toBe(true);

    const real = await gc(server.url);
    expect(real.dryRun).toBe(false);
    expect(counts(real)).toEqual(counts(dry));
    // The real run is in the audit log, by its caller; the dry runs are not.
    const audited = await server.wharf.eventing.audit.query({ types: ['GC_RUN'] });
    expect(audited.events.map((e) => [e.actor, e.outcome, e.detail])).toEqual([
      [
        { name: 'admin', kind: 'user' },
        'success',
        {
          run: real.id,
          trigger: 'api',
          blobsDeleted: expected.blobsDeleted,
          bytesFreed: expected.bytesFreed,
          linksRemoved: expected.linksRemoved,
          orphanFiles: expected.orphanFiles,
          uploadsExpired: expected.uploadsExpired,
          error: null,
        },
      ],
    ]);
    for (const b of [...garbage, orphan])
      expect(await exists(blobPath(server.dataDir, b.digest))).toBe(false);
    expect(await headStatus(v2, app, lone.digest)).toBe(404);
    expect(await headStatus(v2, other, twice.digest)).toBe(404);
    expect(await headStatus(v2, other, shared.digest)).toBe(404);

    const again = await gc(server.url);
    expect(counts(again)).toEqual({
      linksRemoved: 0,
      blobsDeleted: 0,
      blobBytes: 0,
      orphanFiles: 0,
      orphanBytes: 0,
      uploadsExpired: 0,
      bytesFreed: 0,
    });
  });

  it('keeps every blob a manifest references: tagged, untagged, referrers, even with its link deleted', async () => {
    for (const { repo, image } of kept) {
      for (const b of [image.config, ...image.layers]) {
        if (b.digest === unlinkedButReferenced.digest) continue;
        await expectReadable(v2, repo, b.digest);
      }
      expect((await v2.fetch(`/v2/${repo}/manifests/${image.manifest.digest}`)).status).toBe(200);
    }
    expect(await exists(blobPath(server.dataDir, unlinkedButReferenced.digest))).toBe(true);
    // Pushed again, the referenced blob is readable in the repository again (its row never went).
    await pushBlob(v2, 'team/app', unlinkedButReferenced);
    await expectReadable(v2, 'team/app', unlinkedButReferenced.digest);
  });

  it('a collected blob can be pushed again and is whole', async () => {
    const [first] = garbage as [TestBlob];
    await pushBlob(v2, 'team/again', first);
    await expectReadable(v2, 'team/again', first.digest);
  });

  it('records every run in the history, newest first, paginated', async () => {
    const all = await api<GcRun[]>(server.url, 'GET', '/system/gc?n=100');
    expect(all.status).toBe(200);
    expect(all.body.map((r) => r.dryRun)).toEqual([false, false, true, true]);
    expect(all.body[2]?.linksRemoved).toBe(6);
    const first = await api<GcRun[]>(server.url, 'GET', '/system/gc?n=1');
    expect(first.body).toHaveLength(1);
    const link = first.headers.get('link') ?? '';
    expect(link).toMatch(/rel="next"/);
    const next = await api<GcRun[]>(
      server.url,
      'GET',
      (/<\/api\/v1([^>]+)>/.exec(link)?.[1] ?? '').toString(),
    );
    expect(next.body[0]?.id).toBe(all.body[1]?.id);
  });

  it('is for system administrators only', async () => {
    await server.wharf.access.createUser({ username: 'dev', password: 'dev-password-123' });
    const dev = `Basic ${Buffer.from('dev:dev-password-123').toString('base64')}`;
    for (const [method, path] of [
      ['POST', '/system/gc'],
      ['GET', '/system/gc'],
      ['POST', '/system/scrub'],
    ] as const) {
      expect((await api(server.url, method, path, undefined, dev)).status).toBe(403);
      // A bare POST (no body at all) is a real run.
      if (path === '/system/gc' && method === 'POST')
        expect((await api(server.url, method, path)).status).toBe(200);
      if (path === '/system/scrub') expect((await api(server.url, method, path)).status).toBe(200);
      expect((await api(server.url, method, path, undefined, '')).status).toBe(401);
    }
  });

  it('runs from the jobs queue (the schedule) and records that trigger', async () => {
    // The gc.run job is what the daily schedule enqueues; this server's schedule is off, so enqueue directly.
    const s = await startTestServer({ dialect, config: { gc: { graceHours: 0, schedule: '03:00' } } });
    try {
      const v = new V2(s.url);
      await pushBlob(v, 'lib/x', blob(600));
      await s.wharf.eventing.jobs.enqueue('gc.run', { trigger: 'schedule' });
      let runs: GcRun[] = [];
      for (let i = 0; i < 100 && runs.length === 0; i++) {
        await sleep(100);
        runs = (await api<GcRun[]>(s.url, 'GET', '/system/gc')).body;
      }
      expect(runs[0]).toMatchObject({ trigger: 'schedule', dryRun: false, blobsDeleted: 1, blobBytes: 600 });
      const audited = await s.wharf.eventing.audit.query({ types: ['GC_RUN'] });
      expect(audited.events.map((e) => [e.actor.kind, e.detail?.['trigger'], e.detail?.['run']])).toEqual([
        ['system', 'schedule', runs[0]?.id],
      ]);
    } finally {
      await s.stop();
    }
  });
});

describe('the grace period', () => {
  it('protects what was just pushed (default 72 hours): nothing young is collected', async () => {
    const server = await startTestServer({ auth: 'token' });
    try {
      const v2 = new V2(server.url, ADMIN_AUTH);
      await pushBlob(v2, 'team/app', blob(1000));
      const image = await pushImage(v2, 'team/app', 'v1');
      expect(
        (await v2.fetch(`/v2/team/app/manifests/${image.manifest.digest}`, { method: 'DELETE' })).status,
      ).toBe(202);
      await plantOrphan(server.dataDir, 100, 60_000); // a minute old: younger than 72 hours
      const zero = { linksRemoved: 0, blobsDeleted: 0, orphanFiles: 0 };
      const dry = await gc(server.url, true);
      expect(dry).toMatchObject({ graceHours: 72, ...zero });
      expect(await gc(server.url)).toMatchObject(zero);
      // Pushing again refreshes a link's time: it is as young as its last upload.
      expect(await headStatus(v2, 'team/app', image.config.digest)).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

/** Every /system operation was called with a success and with a refusal (see test/api/support/coverage.ts). */
afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  // Operations no file owns are api.test.ts's and events-api.test.ts's to report.
  const gaps = coverageGaps(doc, recorded, 'gc-http.test.ts').filter((g) => !g.includes('no test file owns'));
  expect(gaps).toEqual([]);
});
