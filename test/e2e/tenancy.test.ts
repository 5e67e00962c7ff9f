import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/index.js';
import { type Receiver, startReceiver, until } from '../events/receiver.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const dialects = await availableDialects();

/**
 * The enterprise layout on the server as `wharf serve` composes it (token auth, users, robots,
 * events): `platform` (public base images), `team-payments` (private) with a developer and a CI robot.
 * Everything goes through the management API and /v2 with real tokens; nothing is seeded underneath.
 */
describe.each(dialects)('multi-tenancy end to end (%s)', (dialect) => {
  let server: TestServer;
  let receiver: Receiver;
  let host: string;
  let robot: { username: string; password: string };
  const admin = { username: 'admin', password: ADMIN_PASSWORD };
  const alice = { username: 'alice', password: 'alice-password-1' };

  const api = async (path: string, as: { username: string; password: string }, body?: unknown) => {
    const init: RequestInit = {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${as.username}:${as.password}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    return fetch(`${server.url}/api/v1${path}`, init);
  };
  const json = async (r: Promise<Response>, status: number) => {
    const res = await r;
    expect(res.status, await res.clone().text()).toBe(status);
    return res.json() as Promise<Record<string, unknown> & Record<string, unknown>[]>;
  };
  const client = (credentials?: { username: string; password: string }) =>
    new RegistryClient({ registry: host, ...(credentials ? { credentials } : {}) });

  beforeAll(async () => {
    server = await startTestServer({ dialect, auth: 'token' });
    host = new URL(server.url).host;
    receiver = await startReceiver();
    await json(api('/projects', admin, { name: 'platform', public: true }), 201);
    await json(api('/projects', admin, { name: 'team-payments', public: false }), 201);
    await json(api('/users', admin, { username: alice.username, password: alice.password }), 201);
    await json(api('/projects/team-payments/members', admin, { username: 'alice', role: 'developer' }), 200);
    const created = await json(
      api('/projects/team-payments/robots', admin, {
        name: 'ci',
        permissions: [{ project: 'team-payments', actions: ['pull', 'push'] }],
      }),
      201,
    );
    robot = { username: String(created.name), password: String(created.secret) };
    await json(
      api('/projects/team-payments/webhooks', admin, {
        url: receiver.url,
        secret: 'webhook-secret-0123456789',
        eventTypes: ['PUSH_ARTIFACT'],
      }),
      201,
    );
    await pushArtifact(client(admin), 'platform/base', '1.0', makeImage({ layers: 1 }));
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await server?.stop();
  });

  it('the CI robot pushes to its project through token auth; the signed webhook and the audit log say so', async () => {
    expect(robot.username).toBe('robot$team-payments+ci');
    const image = makeImage({ layers: 2 });
    await pushArtifact(client(robot), 'team-payments/api', 'v1', image);

    const delivery = await until(() => receiver.received[0]);
    const signature = createHmac('sha256', 'webhook-secret-0123456789').update(delivery.body).digest('hex');
    expect(delivery.headers['x-wharf-signature']).toBe(`sha256=${signature}`);
    const payload = JSON.parse(delivery.body.toString()) as {
      type: string;
      operator: string;
      event_data: { resources: { digest: string; tag: string }[]; repository: { repo_full_name: string } };
    };
    expect(payload).toMatchObject({ type: 'PUSH_ARTIFACT', operator: robot.username });
    expect(payload.event_data.repository.repo_full_name).toBe('team-payments/api');
    expect(payload.event_data.resources[0]).toMatchObject({
      digest: image.manifest.descriptor.digest,
      tag: 'v1',
    });

    const events = await json(api('/projects/team-payments/audit?type=PUSH_ARTIFACT', admin), 200);
    expect(events[0]).toMatchObject({
      actor: { name: robot.username, kind: 'robot' },
      clientIp: '127.0.0.1',
      repository: 'team-payments/api',
      tag: 'v1',
      outcome: 'success',
    });
  });

  it('the robot is confined to its project; the developer pulls; outsiders see nothing private', async () => {
    await expect(
      pushArtifact(client(robot), 'platform/base', 'hijack', makeImage({ layers: 1 })),
    ).rejects.toThrow();
    expect(await client(admin).listTags('platform/base')).toEqual(['1.0']);

    const pulled = await client(alice).getManifest('team-payments/api', 'v1');
    expect(pulled.digest).toMatch(/^sha256:/);
    const pulls = await until(async () => {
      const page = await json(api('/audit?type=PULL_ARTIFACT&actor=alice', admin), 200);
      return page.length > 0 && page;
    });
    expect(pulls[0]).toMatchObject({ repository: 'team-payments/api', tag: 'v1', outcome: 'success' });

    // Anonymous: the public project is readable, the private one does not exist.
    expect((await client().getManifest('platform/base', '1.0')).digest).toMatch(/^sha256:/);
    await expect(client().getManifest('team-payments/api', 'v1')).rejects.toThrow();
    const catalog = await client(alice).catalog();
    expect(catalog).toEqual(['platform/base', 'team-payments/api']);
    const outsider = { username: 'bob', password: 'bob-password-12' };
    await json(api('/users', admin, { username: outsider.username, password: outsider.password }), 201);
    expect(await client(outsider).catalog()).toEqual(['platform/base']);
    expect((await api('/projects/team-payments', outsider)).status).toBe(404);
  });

  it('an admin’s first push creates its (private) project; refused logins are audited', async () => {
    await pushArtifact(client(admin), 'team-search/indexer', 'v1', makeImage({ layers: 1 }));
    const project = await json(api('/projects/team-search', admin), 200);
    expect(project).toMatchObject({ name: 'team-search', public: false });

    await expect(
      client({ username: 'alice', password: 'wrong' }).listTags('team-payments/api'),
    ).rejects.toThrow();
    const failures = await until(async () => {
      const page = await json(api('/audit?type=LOGIN_FAILED', admin), 200);
      return page.length > 0 && page;
    });
    expect(failures[0]).toMatchObject({
      actor: { name: 'alice' },
      outcome: 'failure',
      clientIp: '127.0.0.1',
    });
    expect(JSON.stringify(failures)).not.toContain('wrong');
  });

  it('deleting a project takes its webhooks along', async () => {
    await json(api('/projects', admin, { name: 'short-lived' }), 201);
    await json(api('/projects/short-lived/webhooks', admin, { url: receiver.url }), 201);
    const del = await fetch(`${server.url}/api/v1/projects/short-lived`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
    });
    expect(del.status).toBe(204);
    await json(api('/projects', admin, { name: 'short-lived' }), 201);
    expect(await json(api('/projects/short-lived/webhooks', admin), 200)).toEqual([]);
  });
});
