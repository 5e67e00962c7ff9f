import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/adapters/blob-fs/index.js';
import { openMetaStore } from '../../src/adapters/meta-sql/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { RegistryError } from '../../src/oci/errors.js';
import type { MetaStore } from '../../src/ports/meta-store.js';
import type { Principal } from '../../src/services/access/principal.js';
import { requestContext } from '../../src/services/context.js';
import { createEventing, type Eventing, type WharfEvent } from '../../src/services/events/index.js';
import { createRegistry, type Registry } from '../../src/services/registry/index.js';
import { blob, imageManifest, OCI_MANIFEST, type TestBlob } from '../helpers/oci.js';

const alice: Principal = { kind: 'user', id: 1, name: 'alice', admin: false };
const ci: Principal = { kind: 'robot', id: 2, name: 'robot$team-a+ci', permissions: [] };
const as = <T>(principal: Principal, fn: () => Promise<T>) =>
  requestContext.run({ principal, clientIp: '10.1.2.3' }, fn);

describe('withEvents: the registry emits what changed', () => {
  let dir: string;
  let meta: MetaStore;
  let ev: Eventing;
  let registry: Registry;
  let refuse = false;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-regev-'));
    const blobs = new FsBlobStore({ root: dir });
    await blobs.init();
    meta = await openMetaStore(`sqlite:${join(dir, 'w.db')}`);
    ev = createEventing({ meta });
    refuse = false;
    const admission = ev.decorateAdmission({
      async beforeManifest(repo, m) {
        if (refuse) {
          throw new RegistryError('DENIED', 'quota exceeded', {
            detail: { project: 'team-a', quotaBytes: 1, digest: m.digest, repository: repo },
          });
        }
      },
    });
    registry = ev.decorate(
      createRegistry({
        blobs,
        meta,
        maxManifestBytes: 1 << 20,
        manifestCacheTtlMs: 0,
        manifestCacheEntries: 0,
        admission,
      }),
    );
  });
  afterEach(async () => {
    await ev.stop();
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = async (repo: string, b: TestBlob) =>
    registry.uploads.putMonolithic(repo, b.digest as Digest, Readable.from([b.data]));
  async function image(repo: string): Promise<TestBlob> {
    const config = blob(64);
    const layer = blob(256);
    await upload(repo, config);
    await upload(repo, layer);
    return imageManifest(config, [layer]);
  }
  const events = async () => (await ev.audit.query({ limit: 100 })).events.reverse();
  const brief = (e: WharfEvent) => [e.type, e.repository, e.tag, e.digest, e.outcome];

  it('push, re-push (tag moved), pull, delete tag, delete manifest, delete blob', async () => {
    const repo = 'team-a/api';
    const m1 = await as(ci, () => image(repo));
    const m2 = await as(ci, () => image(repo));
    await as(ci, () => registry.manifests.put(repo, 'v1', OCI_MANIFEST, m1.data));
    await as(ci, () => registry.manifests.put(repo, 'v1', OCI_MANIFEST, m2.data));
    await as(alice, async () => {
      const got = await registry.manifests.get(repo, 'v1');
      await ev.recordPull(repo, 'v1', got);
    });
    await ev.flushPulls(); // pull events are written in batches
    await as(alice, () => registry.manifests.get(repo, m1.digest)); // HEAD-like read: not a pull
    await as(alice, () => registry.manifests.delete(repo, 'v1'));
    await as(alice, () => registry.manifests.delete(repo, m1.digest));
    const layer = JSON.parse(m2.data.toString()).layers[0].digest as string;
    await as(alice, () => registry.blobs.delete(repo, layer as Digest));

    const all = await events();
    expect(all.map(brief)).toEqual([
      ['PUSH_ARTIFACT', repo, 'v1', m1.digest, 'success'],
      ['PUSH_ARTIFACT', repo, 'v1', m2.digest, 'success'],
      ['TAG_MOVED', repo, 'v1', m2.digest, 'success'],
      ['PULL_ARTIFACT', repo, 'v1', m2.digest, 'success'],
      ['DELETE_ARTIFACT', repo, 'v1', m2.digest, 'success'],
      ['DELETE_ARTIFACT', repo, null, m1.digest, 'success'],
      ['DELETE_ARTIFACT', repo, null, layer, 'success'],
    ]);
    expect(all[0]).toMatchObject({
      actor: { name: 'robot$team-a+ci', kind: 'robot' },
      clientIp: '10.1.2.3',
      project: 'team-a',
      mediaType: OCI_MANIFEST,
    });
    expect(all[2]?.detail).toEqual({ previousDigest: m1.digest });
    expect(all[3]).toMatchObject({ actor: { name: 'alice', kind: 'user' }, mediaType: OCI_MANIFEST });
    expect(all[6]?.detail).toEqual({ kind: 'blob' });

    // The audit log answers who did what, by actor and by action.
    const byRobot = await ev.audit.query({ actor: 'robot$team-a+ci' });
    expect(byRobot.events.map((e) => e.type)).toEqual(['TAG_MOVED', 'PUSH_ARTIFACT', 'PUSH_ARTIFACT']);
    const deletes = await ev.audit.query({ project: 'team-a', types: ['DELETE_ARTIFACT'], limit: 2 });
    expect(deletes.events).toHaveLength(2);
    const rest = await ev.audit.query({
      project: 'team-a',
      types: ['DELETE_ARTIFACT'],
      limit: 2,
      cursor: deletes.next ?? '',
    });
    expect(rest.events).toHaveLength(1);
    expect(rest.next).toBeUndefined();
  });

  it('records refused pushes and deletes with their error code, and policy refusals', async () => {
    const repo = 'team-a/api';
    const missing = imageManifest(blob(8), [blob(8)]);
    await expect(
      as(ci, () => registry.manifests.put(repo, 'v1', OCI_MANIFEST, missing.data)),
    ).rejects.toMatchObject({
      code: 'MANIFEST_BLOB_UNKNOWN',
    });
    const m = await as(ci, () => image(repo));
    refuse = true;
    await expect(
      as(ci, () => registry.manifests.put(repo, 'v2', OCI_MANIFEST, m.data)),
    ).rejects.toMatchObject({ code: 'DENIED' });
    await expect(as(alice, () => registry.manifests.delete(repo, 'nope'))).rejects.toMatchObject({
      code: 'MANIFEST_UNKNOWN',
    });

    const all = await events();
    expect(all.map(brief)).toEqual([
      ['PUSH_ARTIFACT', repo, 'v1', null, 'failure'],
      ['POLICY_DECISION', repo, null, m.digest, 'failure'],
      ['PUSH_ARTIFACT', repo, 'v2', null, 'failure'],
      ['DELETE_ARTIFACT', repo, 'nope', null, 'failure'],
    ]);
    expect(all[0]?.detail).toMatchObject({ code: 'MANIFEST_BLOB_UNKNOWN' });
    expect(all[1]?.detail).toMatchObject({
      policy: 'quota',
      decision: 'deny',
      code: 'DENIED',
      quotaBytes: 1,
    });
    expect(all[2]?.detail).toMatchObject({ code: 'DENIED', message: 'quota exceeded' });
    expect(all[3]).toMatchObject({ actor: { name: 'alice' }, detail: { code: 'MANIFEST_UNKNOWN' } });
  });

  it('records login failures, rate-limit refusals and work outside requests', async () => {
    await ev.loginFailed({ username: 'mallory', clientIp: '192.0.2.9', reason: 'bad password' });
    await ev.loginFailed({ username: 'robot$team-a+ci', clientIp: '192.0.2.9', reason: 'expired' });
    await ev.policyDecision({
      policy: 'rate-limit',
      action: 'pull',
      repository: 'team-b/web',
      reason: '60/min',
      principal: alice,
      clientIp: '10.0.0.7',
    });
    await ev.flushPulls(); // refusals of pulls are batched like pulls
    const all = await events();
    expect(all.map((e) => [e.type, e.actor.name, e.actor.kind, e.clientIp, e.outcome])).toEqual([
      ['LOGIN_FAILED', 'mallory', 'user', '192.0.2.9', 'failure'],
      ['LOGIN_FAILED', 'robot$team-a+ci', 'robot', '192.0.2.9', 'failure'],
      ['POLICY_DECISION', 'alice', 'user', '10.0.0.7', 'failure'],
    ]);
    expect(all[0]?.detail).toEqual({ reason: 'bad password' });
    expect(all[2]).toMatchObject({
      project: 'team-b',
      detail: { policy: 'rate-limit', action: 'pull', reason: '60/min' },
    });
    const sys = await ev.sink.emit({
      type: 'DELETE_ARTIFACT',
      repository: 'team-a/x',
      digest: `sha256:${'0'.repeat(64)}`,
    });
    expect(sys.actor).toEqual({ name: 'system', kind: 'system' });
  });
});
