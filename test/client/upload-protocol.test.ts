import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/index.js';
import type { Digest } from '../../src/oci/digest.js';

/** A bare-bones upload endpoint that answers with relative Locations and checks Content-Range. */
let server: Server;
let host: string;
const log: string[] = [];
const sessions = new Map<string, Buffer[]>();
const stored = new Map<string, Buffer>();

beforeAll(async () => {
  let n = 0;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      log.push(`${req.method} ${url.pathname} ${req.headers['content-range'] ?? ''} ${body.length}`);
      if (req.method === 'POST') {
        const id = `s${n++}`;
        sessions.set(id, []);
        res.writeHead(202, { location: `/v2/up/blobs/uploads/${id}?state=0` }).end();
        return;
      }
      const id = url.pathname.split('/').pop() ?? '';
      const chunks = sessions.get(id);
      if (!chunks) return void res.writeHead(404).end();
      const offset = chunks.reduce((a, c) => a + c.length, 0);
      if (req.method === 'PATCH') {
        if (req.headers['content-range'] !== `${offset}-${offset + body.length - 1}`)
          return void res.writeHead(416).end();
        chunks.push(body);
        res.writeHead(202, { location: `${id}?state=${offset + body.length}` }).end();
        return;
      }
      chunks.push(body);
      const all = Buffer.concat(chunks);
      const digest = `sha256:${createHash('sha256').update(all).digest('hex')}`;
      if (digest !== url.searchParams.get('digest') || !url.searchParams.has('state'))
        return void res.writeHead(400).end();
      stored.set(digest, all);
      res.writeHead(201, { location: `/v2/up/blobs/${digest}` }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('upload protocol', () => {
  it('follows relative Locations through chunked PATCHes with Content-Range, then PUTs the digest', async () => {
    const client = new RegistryClient({ registry: host, chunkSize: 1000 });
    const bytes = randomBytes(2500);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
    log.length = 0;
    await client.uploadBlob('up', { digest, size: bytes.length }, bytes);
    expect(stored.get(digest)?.equals(bytes)).toBe(true);
    expect(log.map((l) => l.replace(/s\d+/, 'ID'))).toEqual([
      'POST /v2/up/blobs/uploads/  0',
      'PATCH /v2/up/blobs/uploads/ID 0-999 1000',
      'PATCH /v2/up/blobs/uploads/ID 1000-1999 1000',
      'PATCH /v2/up/blobs/uploads/ID 2000-2499 500',
      'PUT /v2/up/blobs/uploads/ID  0',
    ]);
  });
});
