import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/client/index.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import type { TestServer } from '../helpers/server.js';
import {
  ADMIN,
  api,
  clientFor,
  createPolicy,
  type Execution,
  executionsOf,
  expectReplicated,
  finished,
  pushSignedImage,
  startWharf,
  until,
} from './harness.js';

// Failures are retried with backoff, never dropped: an onPush job whose destination is down waits
// for it; one out of attempts is `failed` in its execution, with the reason.
describe('replication failures', () => {
  let a: TestServer;
  let b: TestServer;
  let ca: RegistryClient;
  let cb: RegistryClient;
  let toB: FaultProxy;

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startWharf('sqlite', { replication: { maxAttempts: 3, scheduleTickSeconds: 1 } }),
      startWharf('sqlite'),
    ]);
    ca = clientFor(a);
    cb = clientFor(b);
    toB = await startFaultProxy(Number(new URL(b.url).port));
  });
  afterAll(async () => {
    await toB?.close();
    await a?.stop();
    await b?.stop();
  });

  const endpoint = () => ({
    url: `http://${toB.host}`,
    insecure: true,
    credentials: { type: 'basic', ...ADMIN },
  });
  const detail = async (id: number) => (await api<Execution>(a, 'GET', `/replication/executions/${id}`)).body;

  it('an onPush copy to a destination that is down is retried until it is back', async () => {
    const policy = await createPolicy(a, {
      name: 'patient',
      mode: 'push',
      endpoint: endpoint(),
      filters: { repository: 'wait/**' },
      trigger: { kind: 'onPush' },
    });
    toB.down = true;
    const image = await pushSignedImage(ca, 'wait/app', 'v1');
    const [execution] = await until('the onPush execution', async () => {
      const list = await executionsOf(a, policy);
      return list.length > 0 ? list : undefined;
    });
    const retrying = await until('a failed attempt', async () => {
      const d = await detail(execution?.id ?? 0);
      return d.artifacts[0]?.status === 'retrying' ? d : undefined;
    });
    expect(retrying.artifacts[0]?.error).toMatch(/cannot reach|socket|ECONNRESET|other side closed/i);
    expect(retrying.status).toBe('running');
    toB.down = false;
    const done = await finished(a, execution?.id ?? 0, 60_000);
    expect(done.status).toBe('succeeded');
    expect(done.artifacts[0]).toMatchObject({ status: 'copied', error: null });
    expect(done.artifacts[0]?.attempts).toBeGreaterThanOrEqual(2);
    await expectReplicated(ca, 'wait/app', cb, 'wait/app', image, 'v1');
  });

  it('out of attempts, an artifact is failed in its execution with the last error', async () => {
    await pushSignedImage(ca, 'never/app', 'v1', { layers: 1, size: 256 });
    const policy = await createPolicy(a, {
      name: 'hopeless',
      mode: 'push',
      endpoint: endpoint(),
      filters: { repository: 'never/*' },
    });
    toB.down = true;
    const r = await api<{ id: number }>(a, 'POST', `/replication/policies/${policy}/executions`, {});
    const run = await finished(a, r.body.id, 60_000);
    toB.down = false;
    expect(run.status).toBe('failed');
    expect(run.counts).toMatchObject({ total: 1, failed: 1, pending: 0 });
    expect(run.artifacts[0]).toMatchObject({
      repository: 'never/app',
      tag: 'v1',
      status: 'failed',
      attempts: 3,
    });
    expect(run.artifacts[0]?.error).toBeTruthy();
  });

  it('a destination refusing the credentials (401) fails at once: no retry can help', async () => {
    await pushSignedImage(ca, 'badcreds/app', 'v1', { layers: 1, size: 256 });
    const policy = await createPolicy(a, {
      name: 'wrong-password',
      mode: 'push',
      endpoint: {
        ...endpoint(),
        credentials: { type: 'basic', username: ADMIN.username, password: 'wrong' },
      },
      filters: { repository: 'badcreds/*' },
    });
    const r = await api<{ id: number }>(a, 'POST', `/replication/policies/${policy}/executions`, {});
    const run = await finished(a, r.body.id, 60_000);
    expect(run.status).toBe('failed');
    expect(run.artifacts[0]).toMatchObject({ repository: 'badcreds/app', status: 'failed', attempts: 1 });
    expect(run.artifacts[0]?.error).toMatch(/401|unauthori[sz]ed|credentials/i);
  });

  it('a source that cannot be listed fails the execution with the reason', async () => {
    const policy = await createPolicy(a, {
      name: 'unlistable',
      mode: 'pull',
      endpoint: endpoint(),
      filters: { repository: 'upstream/**' },
    });
    toB.down = true;
    const r = await api<{ id: number }>(a, 'POST', `/replication/policies/${policy}/executions`, {});
    const run = await finished(a, r.body.id, 60_000);
    toB.down = false;
    expect(run).toMatchObject({ status: 'failed', counts: { total: 0 } });
    expect(run.error).toMatch(/list repositories/);
  });
});
