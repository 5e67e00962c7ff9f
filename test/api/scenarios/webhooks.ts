import { createHmac } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { type Receiver, startReceiver, until } from '../../events/receiver.js';
import { makeImage } from '../../helpers/images.js';
import { ADMIN, ALICE, BOB, CAROL, type World } from '../support/world.js';

interface Hook {
  id: number;
  project: string;
  url: string;
  eventTypes: string[];
  format: string;
  enabled: boolean;
  createdAt: string;
  secret?: string;
}

interface Delivery {
  id: number;
  webhookId: number;
  eventId: string;
  attempt: number;
  status: string;
  responseStatus: number | null;
  error: string | null;
}

const hmac = (body: Buffer, secret: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export function webhookScenarios(w: () => World): void {
  const call = (...a: Parameters<World['server']['call']>) => w().server.call(...a);
  const receivers: Receiver[] = [];
  afterAll(() => Promise.all(receivers.map((r) => r.close())));
  const create = async (project: string, body: object, as: [string, string] = ALICE) => {
    const res = await call(`/projects/${project}/webhooks`, { method: 'POST', body, as });
    expect(res.status).toBe(201);
    return (await res.json()) as Hook;
  };
  let hook: Hook;
  let other: Hook;

  it('creates webhooks (project admins); the secret is shown once, at creation', async () => {
    const url = 'https://hooks.example.com/wharf';
    hook = await create('team', { url, eventTypes: ['PUSH_ARTIFACT'], enabled: false });
    expect(hook).toMatchObject({ project: 'team', url, eventTypes: ['PUSH_ARTIFACT'], format: 'harbor' });
    expect(hook.secret?.length).toBeGreaterThanOrEqual(32);
    // Disabled: nothing here may try to reach example.com.
    const given = await create('team', {
      url: 'http://ce.example.com/',
      format: 'cloudevents',
      secret: 's'.repeat(20),
      enabled: false,
    });
    expect(given).toMatchObject({
      format: 'cloudevents',
      eventTypes: [],
      enabled: false,
      secret: 's'.repeat(20),
    });
    other = await create('pub', { url: 'https://pub.example.com/', enabled: false }, ADMIN);
    const listed = await call('/projects/team/webhooks', { as: ALICE });
    const text = await listed.text();
    expect((JSON.parse(text) as Hook[]).map((h) => h.id)).toEqual([hook.id, given.id]);
    for (const res of [
      text,
      await (await call(`/projects/team/webhooks/${hook.id}`, { as: ALICE })).text(),
    ]) {
      expect(res).not.toContain('secret');
      expect(res).not.toContain(hook.secret);
      expect(res).not.toContain('s'.repeat(20));
    }
    const page = await call('/projects/team/webhooks?n=1', { as: ALICE });
    expect(page.headers.get('link')).toBe(`</api/v1/projects/team/webhooks?n=1&last=${hook.id}>; rel="next"`);
    expect(await (await call(`/projects/team/webhooks?last=${hook.id}`)).json()).toEqual([
      expect.objectContaining({ id: given.id }),
    ]);
  });

  it('refuses bad URLs, event types, formats and fields with the API’s error body (400)', async () => {
    const refused = async (body: object, field: string | null) => {
      const res = await call('/projects/team/webhooks', { method: 'POST', body, as: ALICE });
      expect(res.status).toBe(400);
      const { errors } = (await res.json()) as { errors: { code: string; detail: { field?: string } }[] };
      expect(errors[0]?.code).toBe('WHARF_ERR_REQUEST_INVALID');
      if (field !== null) expect(errors[0]?.detail.field).toBe(field);
    };
    await refused({ url: 'ftp://example.com/hook' }, 'url');
    await refused({ url: 'javascript:alert(1)' }, 'url');
    await refused({ url: 'not a url' }, 'url');
    await refused({ url: `https://example.com/${'a'.repeat(2040)}` }, 'url');
    await refused({ url: 'http://[oops/' }, null); // passes the pattern, refused by the service
    await refused({}, 'url');
    await refused({ url: 'https://example.com/', eventTypes: ['PUSH_ARTIFACT', 'NOPE'] }, 'eventTypes.1');
    await refused({ url: 'https://example.com/', format: 'xml' }, 'format');
    await refused({ url: 'https://example.com/', secret: 'short' }, 'secret');
    await refused({ url: 'https://example.com/', events: ['PUSH_ARTIFACT'] }, 'events');
    const patch = (body: object) =>
      call(`/projects/team/webhooks/${hook.id}`, { method: 'PATCH', body, as: ALICE });
    expect((await patch({})).status).toBe(400);
    expect((await patch({ url: 'file:///etc/passwd' })).status).toBe(400);
    expect((await patch({ eventTypes: ['push'] })).status).toBe(400);
    expect((await call('/projects/team/webhooks/abc', { as: ALICE })).status).toBe(400);
  });

  it('answers 403 to members without manage and 404 to outsiders and for other projects’ webhooks', async () => {
    const body = { url: 'https://example.com/' };
    expect((await call('/projects/team/webhooks', { method: 'POST', body, as: BOB })).status).toBe(403);
    expect((await call('/projects/team/webhooks', { method: 'POST', body, as: CAROL })).status).toBe(404);
    expect((await call('/projects/team/webhooks', { as: BOB })).status).toBe(403);
    expect((await call('/projects/team/webhooks', { as: CAROL })).status).toBe(404);
    expect((await call('/projects/pub/webhooks', { as: CAROL })).status).toBe(403);
    expect((await call(`/projects/team/webhooks/${hook.id}`, { as: BOB })).status).toBe(403);
    expect((await call(`/projects/team/webhooks/${hook.id}`, { as: CAROL })).status).toBe(404);
    const foreign = `/projects/team/webhooks/${other.id}`;
    expect((await call(foreign, { as: ALICE })).status).toBe(404);
    expect((await call(foreign)).status).toBe(404);
    expect((await call(foreign, { method: 'PATCH', body: { enabled: false } })).status).toBe(404);
    expect((await call(foreign, { method: 'DELETE' })).status).toBe(404);
    expect((await call(`${foreign}/deliveries`)).status).toBe(404);
    expect((await call(`/projects/pub/webhooks/${other.id}`)).status).toBe(200);
    expect((await call('/projects/team/webhooks/999999', { as: ALICE })).status).toBe(404);
  });

  it('updates a webhook without ever returning its secret, and deletes it', async () => {
    const patched = await call(`/projects/team/webhooks/${hook.id}`, {
      method: 'PATCH',
      body: { enabled: true, eventTypes: ['PUSH_ARTIFACT', 'DELETE_ARTIFACT'], secret: 'n'.repeat(24) },
      as: ALICE,
    });
    expect(patched.status).toBe(200);
    const text = await patched.text();
    expect(JSON.parse(text)).toMatchObject({
      id: hook.id,
      enabled: true,
      eventTypes: ['PUSH_ARTIFACT', 'DELETE_ARTIFACT'],
    });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('n'.repeat(24));
    expect((await call(`/projects/team/webhooks/${hook.id}`, { method: 'DELETE', as: BOB })).status).toBe(
      403,
    );
    expect((await call(`/projects/team/webhooks/${hook.id}`, { method: 'DELETE', as: ALICE })).status).toBe(
      204,
    );
    expect((await call(`/projects/team/webhooks/${hook.id}`, { as: ALICE })).status).toBe(404);
    expect((await call(`/projects/team/webhooks/${hook.id}`, { method: 'DELETE', as: ALICE })).status).toBe(
      404,
    );
  });

  it('lists deliveries, newest first and paged, after a real delivery that failed once', async () => {
    const receiver = await startReceiver([500, 200]);
    receivers.push(receiver);
    const idle = await startReceiver();
    receivers.push(idle);
    const live = await create('team', { url: receiver.url, eventTypes: ['PUSH_ARTIFACT'] });
    const off = await create('team', { url: idle.url, enabled: false });
    await w().server.push('team/hooked', 'v1', makeImage({ size: 21 }), ALICE);
    const path = `/projects/team/webhooks/${live.id}/deliveries`;
    const deliveries = await until(async () => {
      const list = (await (await call(path, { as: ALICE })).json()) as Delivery[];
      return list.length === 2 && list.every((d) => d.status !== 'pending') && list;
    });
    expect(deliveries).toMatchObject([
      { webhookId: live.id, attempt: 2, status: 'success', responseStatus: 200, error: null },
      { webhookId: live.id, attempt: 1, status: 'failed', responseStatus: 500, error: 'HTTP 500' },
    ]);
    const [pushed] = (await (
      await call('/projects/team/audit?type=PUSH_ARTIFACT&n=1', { as: ALICE })
    ).json()) as {
      id: string;
    }[];
    expect(deliveries.map((d) => d.eventId)).toEqual([pushed?.id, pushed?.id]);
    const last = receiver.received.at(-1);
    expect(last?.headers['x-wharf-event']).toBe('PUSH_ARTIFACT');
    expect(last?.headers['x-wharf-signature']).toBe(hmac(last?.body ?? Buffer.alloc(0), live.secret ?? ''));
    expect(JSON.parse(last?.body.toString() ?? '{}')).toMatchObject({ type: 'PUSH_ARTIFACT' });
    const first = await call(`${path}?n=1`, { as: ALICE });
    expect(first.headers.get('link')).toBe(`</api/v1${path}?n=1&last=${deliveries[0]?.id}>; rel="next"`);
    expect(await (await call(`${path}?n=1&last=${deliveries[0]?.id}`, { as: ALICE })).json()).toEqual([
      deliveries[1],
    ]);
    expect((await call(path, { as: BOB })).status).toBe(403);
    expect((await call(path, { as: CAROL })).status).toBe(404);
    expect((await call(`${path}?last=0`, { as: ALICE })).status).toBe(400);
    expect(await (await call(`/projects/team/webhooks/${off.id}/deliveries`, { as: ALICE })).json()).toEqual(
      [],
    );
    expect(idle.received).toEqual([]);
  });
}
