import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/client/index.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import type { TestServer } from '../helpers/server.js';
import {
  ADMIN,
  api,
  clientFor,
  createPolicy,
  expectReplicated,
  finished,
  pushSignedImage,
  startWharf,
  until,
} from './harness.js';

const MiB = 1024 * 1024;

// A replication whose connection is cut in the middle of a large blob (a TCP proxy drops it after
// N bytes): the artifact's job fails, is retried with backoff, and its upload continues from the
// destination's offset instead of starting over.
describe('an interrupted replication resumes', () => {
  let a: TestServer;
  let b: TestServer;
  let ca: RegistryClient;
  let cb: RegistryClient;
  let toB: FaultProxy;
  let toA: FaultProxy;

  beforeAll(async () => {
    [a, b] = await Promise.all([startWharf('sqlite'), startWharf('sqlite')]);
    ca = clientFor(a);
    cb = clientFor(b);
    toB = await startFaultProxy(Number(new URL(b.url).port));
    toA = await startFaultProxy(Number(new URL(a.url).port));
  });
  afterAll(async () => {
    await toB?.close();
    await toA?.close();
    await a?.stop();
    await b?.stop();
  });

  const start = async (server: TestServer, policy: number) => {
    const r = await api<{ id: number }>(server, 'POST', `/replication/policies/${policy}/executions`, {});
    return r.body.id;
  };

  it('push: a PATCH cut mid-blob continues from the destination’s upload offset', async () => {
    const image = await pushSignedImage(ca, 'big/app', 'v1', { layers: 1, size: 6 * MiB });
    const total = image.index.blobs.reduce((n, x) => n + x.bytes.length, 0);
    const policy = await createPolicy(a, {
      name: 'through-a-flaky-link',
      mode: 'push',
      endpoint: { url: `http://${toB.host}`, insecure: true, credentials: { type: 'basic', ...ADMIN } },
    });
    toB.cutAfter(Math.floor(4.5 * MiB));
    const id = await start(a, policy);
    await until('the cut', async () => (toB.cut ? true : undefined));
    toB.resetCount();
    const run = await finished(a, id, 60_000);
    expect(run.status).toBe('succeeded');
    const [art] = run.artifacts;
    expect(art).toMatchObject({ status: 'copied', attempts: 2, error: null });
    // The retry sent only what the destination was missing, not both 6 MiB layers again.
    expect(art?.bytes).toBeLessThan(total - MiB);
    expect(toB.sentUpstream).toBeLessThan(total - MiB);
    await expectReplicated(ca, 'big/app', cb, 'big/app', image, 'v1');
    // The sessions it resumed are forgotten once the artifact is copied.
    for (const blob of image.index.blobs) {
      expect(
        await a.wharf.meta.replication.uploads.get(art?.id ?? 0, 'big/app', blob.descriptor.digest),
      ).toBeUndefined();
    }
  });

  it('pull: a blob read cut mid-way continues from the local upload’s offset', async () => {
    const image = await pushSignedImage(cb, 'big/tool', 'v2', { layers: 1, size: 6 * MiB });
    const total = image.index.blobs.reduce((n, x) => n + x.bytes.length, 0);
    const policy = await createPolicy(a, {
      name: 'pull-through-a-flaky-link',
      mode: 'pull',
      endpoint: { url: `http://${toB.host}`, insecure: true, credentials: { type: 'basic', ...ADMIN } },
      filters: { repository: 'big/tool' },
    });
    toB.resetCount();
    toB.cutAfter(Math.floor(4.5 * MiB), 'down');
    const id = await start(a, policy);
    await until('the cut', async () => (toB.cut ? true : undefined));
    toB.resetCount();
    const run = await finished(a, id, 60_000);
    expect(run.status).toBe('succeeded');
    expect(run.artifacts[0]).toMatchObject({ status: 'copied', attempts: 2 });
    expect(run.artifacts[0]?.bytes).toBeLessThan(total - MiB);
    expect(toB.sentDownstream).toBeLessThan(total - MiB);
    await expectReplicated(cb, 'big/tool', ca, 'big/tool', image, 'v2');
  });
});
