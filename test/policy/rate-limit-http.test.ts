import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryShared } from '../../src/adapters/shared-memory/index.js';
import { PullRateLimiter, projectOf, pullClientKey } from '../../src/services/policy/index.js';
import { blob } from '../helpers/oci.js';
import { V2 } from '../helpers/registry-client.js';
import { type PolicyServer, startPolicyServer } from './policy-server.js';

describe('pull rate limits over HTTP', () => {
  let server: PolicyServer;
  let v2: V2;
  const shared = new MemoryShared();
  const content = blob(100);
  beforeAll(async () => {
    const limiter = new PullRateLimiter({
      shared,
      perClientPerMinute: 3,
      projectLimit: async () => null,
    });
    server = await startPolicyServer({
      // Exactly how the /v2 dispatcher's pull hook is wired.
      beforePull: (principal, match, clientIp) =>
        limiter.check({ project: projectOf(match.name), clientKey: pullClientKey(principal, clientIp) }),
    });
    v2 = new V2(server.url);
    expect((await v2.pushBlob('team/app', content)).status).toBe(201);
  });
  afterAll(async () => {
    await server.close();
    await shared.close();
  });

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
    expect(body.errors[0]?.message).toMatch(/client ip:127\.0\.0\.1: 3 per minute/);
  });
});

describe('per-project pull limit over HTTP', () => {
  let server: PolicyServer;
  let v2: V2;
  const shared = new MemoryShared();
  const content = blob(100);
  beforeAll(async () => {
    const limiter = new PullRateLimiter({
      shared,
      perClientPerMinute: null,
      projectLimit: async (project) => (project === 'busy' ? 2 : null),
    });
    server = await startPolicyServer({
      beforePull: (principal, match, clientIp) =>
        limiter.check({ project: projectOf(match.name), clientKey: pullClientKey(principal, clientIp) }),
    });
    v2 = new V2(server.url);
    for (const repo of ['busy/a', 'busy/b', 'calm/a'])
      expect((await v2.pushBlob(repo, content)).status).toBe(201);
  });
  afterAll(async () => {
    await server.close();
    await shared.close();
  });

  it('counts every repository of the project against one limit, and no other project', async () => {
    expect((await v2.fetch(`/v2/busy/a/blobs/${content.digest}`)).status).toBe(200);
    expect((await v2.fetch(`/v2/busy/b/blobs/${content.digest}`)).status).toBe(200);
    const r = await v2.fetch(`/v2/busy/a/manifests/latest`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    for (let i = 0; i < 5; i++)
      expect((await v2.fetch(`/v2/calm/a/blobs/${content.digest}`)).status).toBe(200);
  });
});
