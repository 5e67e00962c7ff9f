import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { V2 } from '../helpers/registry-client.js';
import { startTestServer } from '../helpers/server.js';

describe('upload session expiry', () => {
  it('purges sessions idle longer than uploads.ttlSeconds, with their bytes', async () => {
    const server = await startTestServer({ config: { uploads: { ttlSeconds: 1, purgeIntervalSeconds: 1 } } });
    try {
      const v2 = new V2(server.url);
      const r = await v2.fetch('/v2/purge/me/blobs/uploads/', { method: 'POST' });
      const loc = r.headers.get('location') ?? '';
      await v2.fetch(loc, { method: 'PATCH', body: Buffer.alloc(1000, 1) });
      expect((await v2.fetch(loc)).status).toBe(204);
      const deadline = Date.now() + 10_000;
      let status = 204;
      while (status === 204 && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 250));
        status = (await v2.fetch(loc)).status;
      }
      expect(status).toBe(404);
      expect(await readdir(join(server.dataDir, 'uploads'))).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});

describe('TLS', () => {
  it('serves HTTPS with the configured certificate and key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wharf-tls-'));
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const server = await startTestServer({ config: { tls: { cert, key } } });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
      const r = await undiciFetch(`${server.url}/v2/`, { dispatcher });
      expect(r.status).toBe(200);
      expect(r.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
      await dispatcher.close();
    } finally {
      await server.stop();
    }
  });
});
