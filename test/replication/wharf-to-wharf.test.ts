import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/client/index.js';
import { availableDialects } from '../helpers/dialects.js';
import type { TestServer } from '../helpers/server.js';
import {
  ADMIN,
  api,
  clientFor,
  createPolicy,
  expectReplicated,
  hostOf,
  pushSignedImage,
  runPolicy,
} from './harness.js';

// Two composed Wharf servers (token auth) replicating a signed, SBOM-carrying multi-platform image
// both ways over real HTTP; the metadata store on SQLite and on PostgreSQL.
describe.each(await availableDialects())('replication between two Wharf servers (%s)', (dialect) => {
  let a: TestServer;
  let b: TestServer;
  let ca: RegistryClient;
  let cb: RegistryClient;

  beforeAll(async () => {
    [a, b] = await Promise.all([
      import('./harness.js').then((h) => h.startWharf(dialect)),
      import('./harness.js').then((h) => h.startWharf(dialect)),
    ]);
    ca = clientFor(a);
    cb = clientFor(b);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const endpoint = (s: TestServer) => ({
    url: `http://${hostOf(s)}`,
    insecure: true,
    credentials: { type: 'basic', ...ADMIN },
  });

  it('pushes every platform, signature and SBOM byte for byte; a second run skips it all', async () => {
    const image = await pushSignedImage(ca, 'platform/api', 'v1.0');
    const id = await createPolicy(a, { name: 'to-b', mode: 'push', endpoint: endpoint(b) });
    const first = await runPolicy(a, id);
    expect(first).toMatchObject({ status: 'succeeded', trigger: 'manual', dryRun: false });
    expect(first.artifacts).toEqual([
      expect.objectContaining({
        repository: 'platform/api',
        destination: 'platform/api',
        tag: 'v1.0',
        digest: image.digest,
        status: 'copied',
        attempts: 1,
        error: null,
      }),
    ]);
    expect(first.artifacts[0]?.bytes).toBeGreaterThan(4 * 4096);
    expect(first.artifacts[0]?.detail?.attachments).toHaveLength(4);
    await expectReplicated(ca, 'platform/api', cb, 'platform/api', image, 'v1.0');

    const second = await runPolicy(a, id);
    expect(second.artifacts.map((x) => [x.status, x.bytes])).toEqual([['skipped', 0]]);
    expect(second.counts).toMatchObject({ total: 1, skipped: 1, copied: 0 });
  });

  it('pulls from the other Wharf into a namespace', async () => {
    const image = await pushSignedImage(cb, 'upstream/tool', 'v2');
    const id = await createPolicy(a, {
      name: 'from-b',
      mode: 'pull',
      endpoint: endpoint(b),
      filters: { repository: 'upstream/tool' },
      destinationNamespace: 'mirror',
    });
    const run = await runPolicy(a, id);
    expect(run.artifacts.map((x) => [x.repository, x.destination, x.tag, x.status])).toEqual([
      ['upstream/tool', 'mirror/upstream/tool', 'v2', 'copied'],
    ]);
    await expectReplicated(cb, 'upstream/tool', ca, 'mirror/upstream/tool', image, 'v2');
  });

  it('never returns credentials and keeps them sealed at rest', async () => {
    const id = await createPolicy(a, {
      name: 'sealed',
      mode: 'push',
      endpoint: {
        url: 'https://registry.example.com',
        credentials: { type: 'basic', username: 'u', password: 'hunter2-secret' },
      },
    });
    const one = await api(a, 'GET', `/replication/policies/${id}`);
    const list = await api(a, 'GET', '/replication/policies');
    for (const body of [one.body, list.body]) {
      expect(JSON.stringify(body)).not.toContain('hunter2');
      expect(JSON.stringify(body)).not.toMatch(/"password"|"username"/);
    }
    expect(one.body).toMatchObject({
      endpoint: { url: 'https://registry.example.com', credentials: { type: 'basic' } },
    });
    const stored = await a.wharf.meta.replication.policies.get(id);
    expect(stored?.credentials).toMatch(/^v1\./);
    expect(stored?.credentials).not.toContain('hunter2');
  });

  it('validates policies and is for admins only', async () => {
    const bad = [
      { name: 'x', mode: 'push', endpoint: { url: 'http://h:1' } },
      { name: 'x', mode: 'push', endpoint: { url: 'ftp://h' } },
      { name: 'x', mode: 'push', endpoint: { url: 'https://h/path' } },
      { name: 'x', mode: 'pull', endpoint: { url: 'https://h' }, filters: { label: 'approved' } },
      {
        name: 'x',
        mode: 'push',
        endpoint: { url: 'https://h' },
        trigger: { kind: 'cron', schedule: '25:00' },
      },
      { name: 'x', mode: 'push', endpoint: { url: 'https://h' }, filters: { repository: 'a/{b' } },
      { name: 'bad name', mode: 'push', endpoint: { url: 'https://h' } },
    ];
    for (const body of bad) expect((await api(a, 'POST', '/replication/policies', body)).status).toBe(400);
    const dup = await api(a, 'POST', '/replication/policies', {
      name: 'to-b',
      mode: 'push',
      endpoint: { url: 'https://h' },
    });
    expect(dup.status).toBe(409);
    const anon = await fetch(`${a.url}/api/v1/replication/policies`);
    expect(anon.status).toBe(401);
    expect((await api(a, 'GET', '/replication/executions/999999')).status).toBe(404);
    expect((await api(a, 'POST', '/replication/policies/999999/executions', {})).status).toBe(404);
  });
});
