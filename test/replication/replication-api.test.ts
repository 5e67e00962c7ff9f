import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded } from '../api/harness.js';
import { coverageGaps, type OpenApiDoc } from '../api/support/coverage.js';
import type { TestServer } from '../helpers/server.js';
import {
  ADMIN,
  api,
  clientFor,
  createPolicy,
  finished,
  hostOf,
  pushSignedImage,
  runPolicy,
  startWharf,
} from './harness.js';

// The /api/v1/replication routes: admins only, credentials in and never out, every operation
// called with a success and with a refusal.
let a: TestServer;
let b: TestServer;
let doc: OpenApiDoc | undefined;

beforeAll(async () => {
  [a, b] = await Promise.all([startWharf('sqlite'), startWharf('sqlite')]);
  doc = (await (await fetch(`${a.url}/api/v1/openapi.json`)).json()) as OpenApiDoc;
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

/** A user who is not a system admin. */
async function plainUser(): Promise<string> {
  const r = await api(a, 'POST', '/users', { username: 'plain', password: 'plain-password-1' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return `Basic ${Buffer.from('plain:plain-password-1').toString('base64')}`;
}

describe('/api/v1/replication', () => {
  it('manages policies: create, read, change (credentials replaced or removed), delete', async () => {
    const url = `http://${hostOf(b)}`;
    const id = await createPolicy(a, {
      name: 'crud',
      mode: 'push',
      endpoint: { url, insecure: true, credentials: { type: 'token', token: 'tok-123-secret' } },
      filters: { repository: 'x/**' },
    });
    const got = await api<Record<string, unknown>>(a, 'GET', `/replication/policies/${id}`);
    expect(got.body).toMatchObject({
      name: 'crud',
      mode: 'push',
      project: null,
      endpoint: { url, insecure: true, credentials: { type: 'token' } },
      filters: { repository: 'x/**' },
      trigger: { kind: 'manual' },
      destinationNamespace: null,
      deleteReplication: false,
      enabled: true,
    });
    const patched = await api(a, 'PATCH', `/replication/policies/${id}`, {
      filters: { tag: 'v*' },
      trigger: { kind: 'cron', schedule: '15m' },
      endpoint: { credentials: { type: 'basic', ...ADMIN } },
      enabled: false,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      filters: { tag: 'v*' },
      trigger: { kind: 'cron', schedule: '15m' },
      endpoint: { url, credentials: { type: 'basic' } },
      enabled: false,
    });
    expect(JSON.stringify(patched.body)).not.toContain(ADMIN.password);
    const cleared = await api(a, 'PATCH', `/replication/policies/${id}`, { endpoint: { credentials: null } });
    expect(cleared.body).toMatchObject({ endpoint: { credentials: null } });
    expect((await a.wharf.meta.replication.policies.get(id))?.credentials).toBeNull();

    const list = await api<{ name: string }[]>(a, 'GET', '/replication/policies');
    expect(list.body.map((p) => p.name)).toContain('crud');
    expect((await api(a, 'DELETE', `/replication/policies/${id}`)).status).toBe(204);
    expect((await api(a, 'GET', `/replication/policies/${id}`)).status).toBe(404);
  });

  it('refuses what is not right', async () => {
    const other = await createPolicy(a, { name: 'taken', mode: 'push', endpoint: { url: 'https://h' } });
    const mine = await createPolicy(a, { name: 'mine', mode: 'push', endpoint: { url: 'https://h' } });
    expect(
      (
        await api(a, 'POST', '/replication/policies', {
          name: 'taken',
          mode: 'push',
          endpoint: { url: 'https://h' },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await api(a, 'POST', '/replication/policies', {
          name: 'y',
          mode: 'push',
          endpoint: { url: 'https://h' },
          extra: 1,
        })
      ).status,
    ).toBe(400);
    expect((await api(a, 'PATCH', `/replication/policies/${mine}`, { name: 'taken' })).status).toBe(409);
    expect(
      (await api(a, 'PATCH', `/replication/policies/${mine}`, { mode: 'pull', filters: { label: 'a' } }))
        .status,
    ).toBe(400);
    expect((await api(a, 'PATCH', '/replication/policies/424242', { enabled: true })).status).toBe(404);
    expect((await api(a, 'GET', '/replication/policies/0')).status).toBe(400);
    expect((await api(a, 'DELETE', '/replication/policies/424242')).status).toBe(404);
    expect((await api(a, 'POST', '/replication/policies/424242/executions', {})).status).toBe(404);
    expect((await api(a, 'GET', '/replication/executions?policy=424242')).status).toBe(404);
    expect((await api(a, 'GET', '/replication/executions?last=x')).status).toBe(400);
    expect((await api(a, 'GET', '/replication/executions/424242')).status).toBe(404);
    expect(other).toBeGreaterThan(0);

    const plain = await plainUser();
    for (const [method, path] of [
      ['GET', '/replication/policies'],
      ['POST', `/replication/policies/${mine}/executions`],
      ['GET', '/replication/executions'],
    ] as const) {
      const r = await api(a, method, path, method === 'POST' ? {} : undefined, plain);
      expect(r.status, `${method} ${path}`).toBe(403);
    }
  });

  it('runs a policy and pages through executions', async () => {
    await pushSignedImage(clientFor(a), 'paged/app', 'v1', { layers: 1, size: 256 });
    const id = await createPolicy(a, {
      name: 'pages',
      mode: 'push',
      endpoint: { url: `http://${hostOf(b)}`, insecure: true, credentials: { type: 'basic', ...ADMIN } },
      filters: { repository: 'paged/*' },
    });
    const runs = [await runPolicy(a, id, true), await runPolicy(a, id)];
    // A bare POST (no body at all) is a real run.
    const bare = await fetch(`${a.url}/api/v1/replication/policies/${id}/executions`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN.password}`).toString('base64')}` },
    });
    expect(bare.status).toBe(201);
    runs.push(await finished(a, ((await bare.json()) as { id: number }).id));
    expect(runs.map((r) => r.artifacts[0]?.status)).toEqual(['planned', 'copied', 'skipped']);
    const first = await fetch(`${a.url}/api/v1/replication/executions?policy=${id}&n=2`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN.password}`).toString('base64')}` },
    });
    const page = (await first.json()) as { id: number }[];
    expect(page.map((e) => e.id)).toEqual([runs[2]?.id, runs[1]?.id]);
    expect(first.headers.get('link')).toMatch(/rel="next"/);
    const rest = await api<{ id: number }[]>(
      a,
      'GET',
      `/replication/executions?policy=${id}&last=${page[1]?.id}`,
    );
    expect(rest.body.map((e) => e.id)).toEqual([runs[0]?.id]);
    const detail = await api<{ id: number; artifacts: unknown[] }>(
      a,
      'GET',
      `/replication/executions/${runs[1]?.id}`,
    );
    expect(detail.body.artifacts).toHaveLength(1);
  });
});

/** Every /replication operation was called with a success and with a refusal. */
afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  const gaps = coverageGaps(doc, recorded, 'replication-api.test.ts').filter(
    (g) => !g.includes('no test file owns'),
  );
  expect(gaps).toEqual([]);
});
