import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { blob } from '../helpers/oci.js';
import {
  deleteRedisKeys,
  redisKeys,
  redisReachable,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
} from '../helpers/redis.js';
import { V2 } from '../helpers/registry-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Waits for the POLICY_DECISION a refused pull records (written beside the 429, not before it). */
async function rateLimitDecision(server: TestServer, repository: string) {
  return vi.waitFor(async () => {
    const { events } = await server.wharf.eventing.audit.query({ types: ['POLICY_DECISION'], repository });
    const [event] = events;
    if (!event) throw new Error(`no POLICY_DECISION for ${repository} yet`);
    return event;
  });
}

describe('pull rate limits over HTTP', () => {
  let server: TestServer;
  let v2: V2;
  const content = blob(100);
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: { pullPerMinutePerClient: 3 } } });
    await server.wharf.access.createProject({ name: 'team' });
    v2 = new V2(server.url);
    expect((await v2.pushBlob('team/app', content)).status).toBe(201);
  });
  afterAll(() => server?.stop());

  it('answers 429 TOOMANYREQUESTS with Retry-After once the client is over its limit', async () => {
    const get = () => v2.fetch(`/v2/team/app/blobs/${content.digest}`);
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    // HEAD is not a pull and never counts.
    expect((await v2.fetch(`/v2/team/app/blobs/${content.digest}`, { method: 'HEAD' })).status).toBe(200);
    const r = await get();
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    const body = (await r.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('TOOMANYREQUESTS');
    const message = body.errors[0]?.message;
    expect(message).toMatch(/client ip:127\.0\.0\.1: 3 per minute/);

    expect(await rateLimitDecision(server, 'team/app')).toMatchObject({
      type: 'POLICY_DECISION',
      outcome: 'failure',
      actor: { name: 'anonymous', kind: 'anonymous' },
      clientIp: '127.0.0.1',
      project: 'team',
      repository: 'team/app',
      detail: { policy: 'rate-limit', action: 'pull', decision: 'deny', reason: message },
    });
  });
});

describe('per-project pull limit over HTTP', () => {
  let server: TestServer;
  let v2: V2;
  const content = blob(100);
  beforeAll(async () => {
    server = await startTestServer();
    const { access } = server.wharf;
    await access.createProject({ name: 'busy' });
    await access.updateProject('busy', { pullRatePerMinute: 2 });
    await access.createProject({ name: 'calm' });
    v2 = new V2(server.url);
    for (const repo of ['busy/a', 'busy/b', 'calm/a'])
      expect((await v2.pushBlob(repo, content)).status).toBe(201);
  });
  afterAll(() => server?.stop());

  it('counts every repository of the project against one limit, and no other project', async () => {
    expect((await v2.fetch(`/v2/busy/a/blobs/${content.digest}`)).status).toBe(200);
    expect((await v2.fetch(`/v2/busy/b/blobs/${content.digest}`)).status).toBe(200);
    const r = await v2.fetch(`/v2/busy/a/manifests/latest`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    for (let i = 0; i < 5; i++)
      expect((await v2.fetch(`/v2/calm/a/blobs/${content.digest}`)).status).toBe(200);

    expect(await rateLimitDecision(server, 'busy/a')).toMatchObject({
      type: 'POLICY_DECISION',
      outcome: 'failure',
      project: 'busy',
      repository: 'busy/a',
      detail: {
        policy: 'rate-limit',
        action: 'pull',
        decision: 'deny',
        reason: expect.stringMatching(/^pull rate limit exceeded for project busy: 2 per minute/),
      },
    });
  });
});

describe.skipIf(!(await redisReachable()))('per-client pull limit in Redis (shared.redisUrl)', () => {
  const keyPrefix = uniqueRedisPrefix();
  const config = {
    rateLimits: { pullPerMinutePerClient: 3 },
    shared: { redisUrl: TEST_REDIS_URL, keyPrefix },
  };
  let a: TestServer;
  let b: TestServer;
  const content = blob(100);
  beforeAll(async () => {
    a = await startTestServer({ config });
    // A second replica with its own data and database: only Redis is shared.
    b = await startTestServer({ config });
    for (const server of [a, b]) {
      await server.wharf.access.createProject({ name: 'team' });
      expect((await new V2(server.url).pushBlob('team/app', content)).status).toBe(201);
    }
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await deleteRedisKeys(keyPrefix);
  });

  it("counts the client's pulls on every replica against one limit, under the configured prefix", async () => {
    const get = (server: TestServer) => new V2(server.url).fetch(`/v2/team/app/blobs/${content.digest}`);
    expect((await get(a)).status).toBe(200);
    expect((await get(b)).status).toBe(200);
    expect((await get(a)).status).toBe(200);
    const r = await get(b);
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    const body = (await r.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('TOOMANYREQUESTS');
    expect(body.errors[0]?.message).toMatch(/client ip:127\.0\.0\.1: 3 per minute/);

    const keys = await redisKeys(keyPrefix);
    expect(keys.map((k) => k.key)).toContain(`${keyPrefix}rl:pull:client:ip:127.0.0.1`);
    for (const k of keys) expect(k.ttlMs).toBeGreaterThan(0);
    expect(await rateLimitDecision(b, 'team/app')).toMatchObject({
      detail: { policy: 'rate-limit', action: 'pull', decision: 'deny' },
    });
  });
});
