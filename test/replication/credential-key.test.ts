import { randomBytes } from 'node:crypto';
import { access, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  ADMIN,
  api,
  clientFor,
  createPolicy,
  finished,
  hostOf,
  pushSignedImage,
  startWharf,
} from './harness.js';

const present = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

// Endpoint credentials are sealed with the data dir's one secret.key; a replication.key left by
// earlier versions keeps opening what it sealed.
describe('the key sealing endpoint credentials', () => {
  let dest: TestServer;
  beforeAll(async () => {
    dest = await startWharf('sqlite');
  });
  afterAll(() => dest?.stop());

  const replicate = async (server: TestServer, repo: string) => {
    await pushSignedImage(clientFor(server), repo, 'v1', { layers: 1, size: 256 });
    const policy = await createPolicy(server, {
      name: repo.replace('/', '-'),
      mode: 'push',
      endpoint: { url: `http://${hostOf(dest)}`, insecure: true, credentials: { type: 'basic', ...ADMIN } },
      filters: { repository: repo },
    });
    const r = await api<{ id: number }>(server, 'POST', `/replication/policies/${policy}/executions`, {});
    return finished(server, r.body.id, 60_000);
  };

  it('is secret.key: no second key file is made', async () => {
    const source = await startWharf('sqlite');
    try {
      expect((await replicate(source, 'one/app')).status).toBe('succeeded');
      expect(await present(join(source.dataDir, 'secret.key'))).toBe(true);
      expect(await present(join(source.dataDir, 'replication.key'))).toBe(false);
    } finally {
      await source.stop();
    }
  });

  it('is an existing replication.key, which stays in use across restarts', async () => {
    let source = await startWharf('sqlite');
    try {
      await writeFile(join(source.dataDir, 'replication.key'), randomBytes(32), { mode: 0o600 });
      expect((await replicate(source, 'legacy/app')).status).toBe('succeeded');
      source = await source.restart();
      const policies = await api<{ id: number }[]>(source, 'GET', '/replication/policies');
      const again = await api<{ id: number }>(
        source,
        'POST',
        `/replication/policies/${policies.body[0]?.id}/executions`,
        {},
      );
      expect((await finished(source, again.body.id, 60_000)).status).toBe('succeeded');
      // Sealed with replication.key indeed: without it (secret.key alone) they no longer open.
      await rm(join(source.dataDir, 'replication.key'));
      source = await source.restart();
      const without = await api<{ id: number }>(
        source,
        'POST',
        `/replication/policies/${policies.body[0]?.id}/executions`,
        {},
      );
      const failed = await finished(source, without.body.id, 60_000);
      expect(failed.status).toBe('failed');
      expect(JSON.stringify(failed)).toMatch(/does not open|credentials/i);
    } finally {
      await source.stop();
    }
  });
});
