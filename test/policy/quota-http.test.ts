import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WharfEvent } from '../../src/services/events/index.js';
import { blob, imageManifest, type TestBlob } from '../helpers/oci.js';
import { V2 } from '../helpers/registry-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const QUOTA = 10_000;

async function denial(
  r: Response,
): Promise<{ code: string; message: string; detail: Record<string, unknown> }> {
  expect(r.status).toBe(403);
  const body = (await r.json()) as {
    errors: { code: string; message: string; detail: Record<string, unknown> }[];
  };
  const first = body.errors[0];
  if (!first) throw new Error('no error in body');
  return first;
}

describe('project quota over HTTP', () => {
  let server: TestServer;
  let v2: V2;
  const layers = [blob(3000), blob(3000), blob(3000)];
  beforeAll(async () => {
    server = await startTestServer();
    // A real project whose quota the composed QuotaPolicy reads through the access service.
    await server.wharf.access.createProject({ name: 'team' });
    await server.wharf.access.updateProject('team', { quotaBytes: QUOTA });
    v2 = new V2(server.url);
  });
  afterAll(() => server?.stop());

  const usedBytes = (project: string) => server.wharf.meta.usage.projectBytes(project);
  /** The POLICY_DECISION events of the audit log, newest first. */
  const decisions = async (): Promise<WharfEvent[]> =>
    (await server.wharf.eventing.audit.query({ types: ['POLICY_DECISION'] })).events;
  const status = async (r: Promise<Response>) => (await r).status;

  it('admits blobs until the quota, then refuses with 403 DENIED and a clear message', async () => {
    for (const l of layers) expect(await status(v2.pushBlob('team/app', l))).toBe(201);
    expect(await usedBytes('team')).toBe(9000);

    const extra = blob(3000);
    const err = await denial(await v2.pushBlob('team/app', extra));
    expect(err.code).toBe('DENIED');
    expect(err.message).toBe(
      'quota exceeded: project team uses 9000 of 10000 bytes; this push needs 3000 more',
    );
    expect(err.detail).toMatchObject({
      project: 'team',
      usedBytes: 9000,
      quotaBytes: QUOTA,
      neededBytes: 3000,
    });
    // Refused content is not visible and not counted.
    expect(await status(v2.fetch(`/v2/team/app/blobs/${extra.digest}`, { method: 'HEAD' }))).toBe(404);
    expect(await usedBytes('team')).toBe(9000);
    // The refusal is in the audit log, with the numbers.
    const [event] = await decisions();
    expect(event).toMatchObject({
      type: 'POLICY_DECISION',
      outcome: 'failure',
      project: 'team',
      repository: 'team/app',
      digest: extra.digest,
      clientIp: '127.0.0.1',
      detail: {
        policy: 'quota',
        action: 'push-blob',
        decision: 'deny',
        code: 'DENIED',
        message: err.message,
        project: 'team',
        usedBytes: 9000,
        quotaBytes: QUOTA,
        neededBytes: 3000,
      },
    });
  });

  it('refuses a chunked upload at its last request too', async () => {
    const extra = blob(2000);
    const start = await v2.fetch('/v2/team/app/blobs/uploads/', { method: 'POST' });
    expect(start.status).toBe(202);
    const location = start.headers.get('location') ?? '';
    const patch = await v2.fetch(location.replace(server.url, ''), {
      method: 'PATCH',
      body: extra.data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(patch.status).toBe(202);
    const next = (patch.headers.get('location') ?? '').replace(server.url, '');
    const sep = next.includes('?') ? '&' : '?';
    const err = await denial(await v2.fetch(`${next}${sep}digest=${extra.digest}`, { method: 'PUT' }));
    expect(err.message).toMatch(/this push needs 2000 more$/);
  });

  it('charges nothing for a blob the project already holds, by upload or by mount', async () => {
    const [a, b] = layers as [TestBlob, TestBlob, TestBlob];
    expect(await status(v2.pushBlob('team/other', a))).toBe(201);
    const mount = await v2.fetch(`/v2/team/third/blobs/uploads/?mount=${b.digest}&from=team/app`, {
      method: 'POST',
    });
    expect(mount.status).toBe(201);
    expect(await usedBytes('team')).toBe(9000);
    // Another project is accounted separately: created by this first push, it has no quota.
    expect(await status(v2.pushBlob('elsewhere/app', blob(50_000)))).toBe(201);
    expect(await server.wharf.access.getProject('elsewhere')).toMatchObject({ quotaBytes: null });
    expect(await usedBytes('elsewhere')).toBe(50_000);
  });

  it('admits a manifest that fits and refuses one that would go over', async () => {
    const [config, layer] = layers as [TestBlob, TestBlob, TestBlob];
    const small = imageManifest(config, [layer]);
    expect(await status(v2.putManifest('team/app', 'v1', small))).toBe(201);
    const used = await usedBytes('team');
    expect(used).toBe(9000 + small.data.length);

    const big = imageManifest(config, [layer], { annotations: { padding: 'x'.repeat(QUOTA - used) } });
    const err = await denial(await v2.putManifest('team/app', 'v2', big));
    expect(err.code).toBe('DENIED');
    expect(err.message).toBe(
      `quota exceeded: project team uses ${used} of ${QUOTA} bytes; this push needs ${big.data.length} more`,
    );
    expect(await status(v2.fetch('/v2/team/app/manifests/v2', { method: 'HEAD' }))).toBe(404);
    const [event] = await decisions();
    expect(event).toMatchObject({
      type: 'POLICY_DECISION',
      outcome: 'failure',
      repository: 'team/app',
      digest: big.digest,
      detail: {
        policy: 'quota',
        action: 'push-manifest',
        decision: 'deny',
        code: 'DENIED',
        message: err.message,
        usedBytes: used,
        quotaBytes: QUOTA,
        neededBytes: big.data.length,
      },
    });
  });

  it('lets a stored manifest be tagged again in a full project', async () => {
    const [config, layer] = layers as [TestBlob, TestBlob, TestBlob];
    const small = imageManifest(config, [layer]);
    expect(await status(v2.putManifest('team/app', 'latest', small))).toBe(201);
  });
});
