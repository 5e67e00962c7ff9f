import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetaStore } from '../../src/adapters/meta-sql/index.js';
import type { MetaStore } from '../../src/ports/meta-store.js';
import { createEventing, type Eventing } from '../../src/services/events/index.js';
import { createTestDatabase, warnPostgresSkipped } from '../helpers/postgres.js';
import { type Receiver, startReceiver, until } from './receiver.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function hmac(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface Db {
  url: string;
  cleanup: () => Promise<void>;
}

async function sqliteDb(): Promise<Db> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-hooks-'));
  return { url: `sqlite:${join(dir, 'w.db')}`, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function postgresDb(): Promise<Db> {
  const db = await createTestDatabase();
  if (!db) throw new Error('PostgreSQL went away');
  return { url: db.url, cleanup: db.drop };
}

const pg = await createTestDatabase();
await pg?.drop();
if (!pg) warnPostgresSkipped('webhook delivery on PostgreSQL');
const dialects: [string, () => Promise<Db>][] = [
  ['sqlite', sqliteDb],
  ...(pg ? [['postgres', postgresDb] as [string, () => Promise<Db>]] : []),
];

describe.each(dialects)('webhooks (%s)', (_name, makeDb) => {
  let db: Db;
  let meta: MetaStore;
  let ev: Eventing;
  const receivers: Receiver[] = [];
  const receiver = async (statuses?: number[]) => {
    const r = await startReceiver(statuses);
    receivers.push(r);
    return r;
  };
  const push = (repository = 'team-a/api', tag = 'v1') =>
    ev.sink.emit({
      type: 'PUSH_ARTIFACT',
      repository,
      digest: DIGEST,
      tag,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });

  beforeEach(async () => {
    db = await makeDb();
    meta = await openMetaStore(db.url);
    ev = createEventing({
      meta,
      jobs: { pollMs: 20, backoffBaseMs: 50 },
      webhooks: { registryHost: 'registry.example.com', source: 'https://registry.example.com' },
    });
    ev.start();
  });
  afterEach(async () => {
    await ev.stop();
    for (const r of receivers.splice(0)) await r.close();
    await meta.close();
    await db.cleanup();
  });

  it('delivers PUSH_ARTIFACT in Harbor format, signed with the secret', async () => {
    const r = await receiver();
    const { webhook, secret } = await ev.webhooks.create({
      project: 'team-a',
      url: r.url,
      secret: 'shh',
      eventTypes: ['PUSH_ARTIFACT'],
    });
    expect(secret).toBe('shh');
    expect(webhook).not.toHaveProperty('secret');
    const event = await push();
    const got = await until(() => r.received[0]);
    expect(got.headers['x-wharf-signature']).toBe(hmac(got.body, 'shh'));
    expect(got.headers['x-wharf-event']).toBe('PUSH_ARTIFACT');
    expect(got.headers['x-wharf-delivery']).toMatch(/^\d+$/);
    expect(got.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got.body.toString())).toEqual({
      type: 'PUSH_ARTIFACT',
      occur_at: Math.floor(event.occurredAt.getTime() / 1000),
      operator: 'system',
      event_data: {
        resources: [{ digest: DIGEST, tag: 'v1', resource_url: 'registry.example.com/team-a/api:v1' }],
        repository: { name: 'api', namespace: 'team-a', repo_full_name: 'team-a/api', repo_type: 'private' },
        custom_attributes: { outcome: 'success' },
      },
    });
    const history = await until(async () => {
      const d = await ev.webhooks.deliveries(webhook.id);
      return d[0]?.status === 'success' && d;
    });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ attempt: 1, responseStatus: 200, eventId: event.id, error: null });
  });

  it('delivers CloudEvents 1.0 structured JSON', async () => {
    const r = await receiver();
    const { secret } = await ev.webhooks.create({ project: 'team-a', url: r.url, format: 'cloudevents' });
    expect(secret.length).toBeGreaterThanOrEqual(32); // generated, shown once
    const event = await push();
    const got = await until(() => r.received[0]);
    expect(got.headers['content-type']).toBe('application/cloudevents+json');
    expect(got.headers['x-wharf-signature']).toBe(hmac(got.body, secret));
    expect(JSON.parse(got.body.toString())).toEqual({
      specversion: '1.0',
      id: event.id,
      source: 'https://registry.example.com',
      type: 'io.wharf.push_artifact',
      time: event.occurredAt.toISOString(),
      datacontenttype: 'application/json',
      subject: 'team-a/api:v1',
      data: {
        type: 'PUSH_ARTIFACT',
        actor: { name: 'system', kind: 'system' },
        project: 'team-a',
        repository: 'team-a/api',
        digest: DIGEST,
        tag: 'v1',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        outcome: 'success',
        detail: null,
      },
    });
  });

  it('retries a failing receiver with backoff and keeps every attempt in the history', async () => {
    const r = await receiver([500, 500, 200]);
    const { webhook } = await ev.webhooks.create({ project: 'team-a', url: r.url, secret: 'k' });
    await push();
    const history = await until(async () => {
      const d = await ev.webhooks.deliveries(webhook.id);
      return d[0]?.status === 'success' && d;
    });
    expect(history.map((d) => [d.attempt, d.status, d.responseStatus, d.error])).toEqual([
      [3, 'success', 200, null],
      [2, 'failed', 500, 'HTTP 500'],
      [1, 'failed', 500, 'HTTP 500'],
    ]);
    expect(r.received).toHaveLength(3);
    // Every attempt carries the same delivery id and a valid signature.
    expect(new Set(r.received.map((x) => x.headers['x-wharf-delivery'])).size).toBe(1);
    for (const x of r.received) expect(x.headers['x-wharf-signature']).toBe(hmac(x.body, 'k'));
    expect(
      (await ev.webhooks.deliveries(webhook.id, { limit: 1, before: history[0]?.id ?? 0 }))[0]?.attempt,
    ).toBe(2);
  });

  it('records network errors as failed deliveries', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    const { webhook } = await ev.webhooks.create({ project: 'team-a', url, secret: 'k' });
    await push();
    const [first] = await until(async () => {
      const d = await ev.webhooks.deliveries(webhook.id);
      return d.some((x) => x.status === 'failed') && d.filter((x) => x.status === 'failed');
    });
    expect(first).toMatchObject({ status: 'failed', responseStatus: null });
    expect(first?.error).toMatch(/ECONNREFUSED|fetch failed|connect/i);
  });

  it('honours event filters, the enabled flag and the project', async () => {
    const pulls = await receiver();
    const all = await receiver();
    const off = await receiver();
    const other = await receiver();
    await ev.webhooks.create({ project: 'team-a', url: pulls.url, eventTypes: ['PULL_ARTIFACT'] });
    await ev.webhooks.create({ project: 'team-a', url: all.url });
    await ev.webhooks.create({ project: 'team-a', url: off.url, enabled: false });
    await ev.webhooks.create({ project: 'team-b', url: other.url });
    await push();
    await ev.sink.emit({ type: 'PULL_ARTIFACT', repository: 'team-a/api', digest: DIGEST });
    await until(() => all.received.length === 2);
    await until(() => pulls.received.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(pulls.received.map((x) => x.headers['x-wharf-event'])).toEqual(['PULL_ARTIFACT']);
    expect(all.received.map((x) => x.headers['x-wharf-event']).sort()).toEqual([
      'PULL_ARTIFACT',
      'PUSH_ARTIFACT',
    ]);
    expect(off.received).toEqual([]);
    expect(other.received).toEqual([]);
  });

  it('manages webhooks per project without ever returning the secret', async () => {
    const { webhook } = await ev.webhooks.create({
      project: 'team-a',
      url: 'http://127.0.0.1:9/x',
      secret: 's',
    });
    expect(await ev.webhooks.list('team-a')).toEqual([webhook]);
    expect(await ev.webhooks.list('team-b')).toEqual([]);
    const updated = await ev.webhooks.update(webhook.id, { eventTypes: ['DELETE_ARTIFACT'], secret: 'new' });
    expect(updated).toMatchObject({ eventTypes: ['DELETE_ARTIFACT'] });
    expect(updated).not.toHaveProperty('secret');
    expect(await ev.webhooks.get(webhook.id)).toEqual(updated);
    await expect(ev.webhooks.create({ project: 'team-a', url: 'ftp://x' })).rejects.toMatchObject({
      code: 'WHARF_ERR_REQUEST_INVALID',
    });
    await expect(
      ev.webhooks.create({ project: 'team-a', url: 'http://x', eventTypes: ['NOPE'] }),
    ).rejects.toMatchObject({
      code: 'WHARF_ERR_REQUEST_INVALID',
    });
    expect(await ev.webhooks.delete(webhook.id)).toBe(true);
    expect(await ev.webhooks.get(webhook.id)).toBeUndefined();
  });
});
