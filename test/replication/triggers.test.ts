import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/client/index.js';
import { attachSbom, SignatureStore } from '../../src/client/signatures/index.js';
import { availableDialects } from '../helpers/dialects.js';
import type { TestServer } from '../helpers/server.js';
import {
  ADMIN,
  clientFor,
  createPolicy,
  executionsOf,
  expectReplicated,
  finished,
  hostOf,
  pushSignedImage,
  startWharf,
  until,
} from './harness.js';

// The enterprise pattern: push-based replication of `platform/*` tags `v*` to another region as
// they are pushed, attachments pushed later following their image; and a cron schedule.
describe.each(await availableDialects())('replication triggers (%s)', (dialect) => {
  let a: TestServer;
  let b: TestServer;
  let ca: RegistryClient;
  let cb: RegistryClient;

  beforeAll(async () => {
    [a, b] = await Promise.all([startWharf(dialect), startWharf(dialect)]);
    ca = clientFor(a);
    cb = clientFor(b);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const endpoint = () => ({
    url: `http://${hostOf(b)}`,
    insecure: true,
    credentials: { type: 'basic', ...ADMIN },
  });

  /** The finished executions of a policy once there are `n`. */
  const settled = (policy: number, n: number) =>
    until(`${n} executions of policy ${policy}`, async () => {
      const list = await executionsOf(a, policy);
      if (list.length < n) return undefined;
      return Promise.all(list.map((e) => finished(a, e.id)));
    });

  it('on push: replicates what the filters select, with its attachments, in the event’s own job', async () => {
    const policy = await createPolicy(a, {
      name: 'regions',
      mode: 'push',
      endpoint: endpoint(),
      filters: { repository: 'platform/*', tag: 'v*' },
      trigger: { kind: 'onPush' },
      deleteReplication: true,
    });
    await pushSignedImage(ca, 'platform/web', 'dev'); // tag not selected
    await pushSignedImage(ca, 'team/web', 'v1'); // repository not selected
    const image = await pushSignedImage(ca, 'platform/web', 'v1');
    const [run] = await settled(policy, 1);
    expect(run).toMatchObject({ trigger: 'onPush', status: 'succeeded' });
    expect(run?.artifacts.map((x) => [x.repository, x.tag, x.digest, x.status])).toEqual([
      ['platform/web', 'v1', image.digest, 'copied'],
    ]);
    await expectReplicated(ca, 'platform/web', cb, 'platform/web', image, 'v1');
    expect(await cb.headManifest('platform/web', 'dev')).toBeUndefined();
    expect(await cb.headManifest('team/web', 'v1')).toBeUndefined();

    // An SBOM attached after the image replicated follows it (its .sbom tag and its referrer).
    const store = new SignatureStore(ca, 'platform/web');
    const sbom = Buffer.from(
      JSON.stringify({ spdxVersion: 'SPDX-2.3', later: randomBytes(4).toString('hex') }),
    );
    const later = await attachSbom(store, image.subject, sbom, 'text/spdx+json');
    await until('the later SBOM at the destination', async () => {
      const refs = (await cb.referrers('platform/web', image.digest)).map((d) => d.digest);
      const tag = await cb.headManifest('platform/web', later.tag);
      return refs.includes(later.referrer as never) && tag?.digest === later.tagDigest ? true : undefined;
    });

    // A deletion replicates too.
    await ca.deleteManifest('platform/web', image.digest);
    await until('the deletion at the destination', async () =>
      (await cb.headManifest('platform/web', image.digest)) === undefined ? true : undefined,
    );
    const all = await executionsOf(a, policy);
    const deletion = all.find((e) => e.counts.deleted === 1);
    expect(deletion).toBeDefined();
  });

  it('on a cron schedule: runs each slot once', async () => {
    const image = await pushSignedImage(ca, 'nightly/app', 'v3');
    const policy = await createPolicy(a, {
      name: 'nightly',
      mode: 'push',
      endpoint: endpoint(),
      filters: { repository: 'nightly/**' },
      trigger: { kind: 'cron', schedule: '2s' },
    });
    const [run] = await settled(policy, 1);
    expect(run).toMatchObject({ trigger: 'cron', status: 'succeeded' });
    expect(run?.artifacts.map((x) => [x.tag, x.status])).toEqual([['v3', 'copied']]);
    await expectReplicated(ca, 'nightly/app', cb, 'nightly/app', image, 'v3');
    // The next slot finds everything there.
    const runs = await settled(policy, 2);
    expect(runs[0]?.artifacts.map((x) => x.status)).toEqual(['skipped']);
    const slots = runs.map((r) => r.id);
    expect(new Set(slots).size).toBe(slots.length);
  });
});
