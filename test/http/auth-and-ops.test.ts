import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blob } from '../helpers/oci.js';
import { errorCode, V2 } from '../helpers/registry-client.js';
import { ADMIN_AUTH, startTestServer, type TestServer } from '../helpers/server.js';

describe('auth on /v2 (default: token auth, Basic accepted)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: 'token' });
  });
  afterAll(() => server.stop());

  it('challenges anonymous requests with 401 and WWW-Authenticate', async () => {
    const r = await new V2(server.url).fetch('/v2/');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}/token",service="wharf"`);
    expect(await errorCode(r)).toBe('UNAUTHORIZED');
  });

  it('refuses anonymous pushes', async () => {
    const r = await new V2(server.url).pushBlob('x/y', blob(10));
    expect(r.status).toBe(401);
  });

  it('refuses a wrong password', async () => {
    const wrong = `Basic ${Buffer.from('admin:nope').toString('base64')}`;
    expect((await new V2(server.url, wrong).fetch('/v2/')).status).toBe(401);
    const garbage = 'Basic !!!';
    expect((await new V2(server.url, garbage).fetch('/v2/')).status).toBe(401);
  });

  it('accepts the admin with the right password, for pull and push', async () => {
    const v2 = new V2(server.url, ADMIN_AUTH);
    expect((await v2.fetch('/v2/')).status).toBe(200);
    const { manifest } = await v2.pushImage('team/app', 'v1');
    const r = await v2.fetch('/v2/team/app/manifests/v1');
    expect(r.headers.get('docker-content-digest')).toBe(manifest.digest);
  });

  it('serves /healthz, /readyz and /metrics without credentials', async () => {
    const v2 = new V2(server.url);
    expect((await v2.fetch('/healthz')).status).toBe(200);
    expect((await v2.fetch('/readyz')).status).toBe(200);
    const metrics = await (await v2.fetch('/metrics')).text();
    expect(metrics).toMatch(/wharf_http_requests_total\{route="manifest_get",status="200"\} [1-9]/);
    expect(metrics).toMatch(/wharf_http_request_duration_seconds_bucket/);
    expect(metrics).toMatch(/wharf_storage_used_bytes [1-9]/);
    expect(metrics).toMatch(/wharf_uploads_in_progress 0/);
  });
});

describe('generated admin password', () => {
  it('is made on first start only, works, and only its hash is stored', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const server = await startTestServer({ auth: 'token', config: { adminPassword: '' } });
    let restarted: TestServer | undefined;
    try {
      const password = server.wharf.generatedAdminPassword ?? '';
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
      expect((await new V2(server.url, auth).fetch('/v2/')).status).toBe(200);
      restarted = await server.restart();
      expect(restarted.wharf.generatedAdminPassword).toBeUndefined();
      expect((await new V2(restarted.url, auth).fetch('/v2/')).status).toBe(200);
      // Nothing in the data dir (database, WAL) holds the password itself.
      for (const f of await readdir(restarted.dataDir)) {
        if (!f.startsWith('wharf.db')) continue;
        expect((await readFile(`${restarted.dataDir}/${f}`)).includes(password)).toBe(false);
      }
    } finally {
      await (restarted ?? server).stop();
    }
  });
});
