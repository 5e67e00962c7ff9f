import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/index.js';
import { type DockerRegistry, hasDockerRegistry, startDockerRegistry } from '../helpers/docker-registry.js';
import type { TestServer } from '../helpers/server.js';
import {
  clientFor,
  createPolicy,
  expectReplicated,
  pushSignedImage,
  runPolicy,
  startWharf,
} from './harness.js';

// Wharf ↔ Debian's docker-registry (distribution 2.8: no referrers API, so referrers travel in the
// `sha256-<hex>` fallback index, which the replication keeps at the destination).
describe.skipIf(!hasDockerRegistry())('replication with docker-registry', () => {
  let wharf: TestServer;
  let reg: DockerRegistry;
  let cw: RegistryClient;
  let cr: RegistryClient;

  beforeAll(async () => {
    [wharf, reg] = await Promise.all([startWharf('sqlite'), startDockerRegistry()]);
    cw = clientFor(wharf);
    cr = new RegistryClient({ registry: reg.host });
  });
  afterAll(async () => {
    await wharf?.stop();
    await reg?.stop();
  });

  it('pushes a signed multi-platform image with its SBOM; referrers land in the fallback index', async () => {
    const image = await pushSignedImage(cw, 'platform/api', 'v1.2.3', { size: 64 * 1024 });
    const policy = await createPolicy(wharf, {
      name: 'to-distribution',
      mode: 'push',
      endpoint: { url: `http://${reg.host}`, insecure: true },
      filters: { repository: 'platform/**' },
    });
    const run = await runPolicy(wharf, policy);
    expect(run.artifacts.map((x) => [x.destination, x.tag, x.digest, x.status])).toEqual([
      ['platform/api', 'v1.2.3', image.digest, 'copied'],
    ]);
    expect(await cr.supportsReferrers('platform/api', image.digest)).toBe(false);
    await expectReplicated(cw, 'platform/api', cr, 'platform/api', image, 'v1.2.3');
    expect((await runPolicy(wharf, policy)).artifacts.map((x) => x.status)).toEqual(['skipped']);
  });

  it('pulls a signed image from docker-registry, referrers read from its fallback index', async () => {
    const image = await pushSignedImage(cr, 'vendor/db', '15');
    const policy = await createPolicy(wharf, {
      name: 'from-distribution',
      mode: 'pull',
      endpoint: { url: `http://${reg.host}`, insecure: true },
      filters: { repository: 'vendor/db' },
    });
    const run = await runPolicy(wharf, policy);
    expect(run.artifacts.map((x) => [x.destination, x.tag, x.status])).toEqual([
      ['vendor/db', '15', 'copied'],
    ]);
    await expectReplicated(cr, 'vendor/db', cw, 'vendor/db', image, '15');
    // The fallback tag is an attachment's index, not an artifact: Wharf answers the referrers API instead.
    expect((await cw.listTags('vendor/db')).filter((t) => /^sha256-[0-9a-f]{64}$/.test(t))).toEqual([]);
  });
});
