import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type UploadSession } from '../../src/client/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { sha256 } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let proxy: FaultProxy;

beforeAll(async () => {
  server = await startTestServer({ auth: 'none' });
  proxy = await startFaultProxy(Number(new URL(server.url).port));
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

function memorySession(): UploadSession & { value: string | undefined; saves: number } {
  const s = {
    value: undefined as string | undefined,
    saves: 0,
    load: async () => s.value,
    save: async (location: string) => {
      s.value = location;
      s.saves++;
    },
    clear: async () => {
      s.value = undefined;
    },
  };
  return s;
}

describe('resumable blob uploads', () => {
  const MiB = 1024 * 1024;

  it('continues an upload cut mid-PATCH from the registry offset, sending only the rest', async () => {
    const client = new RegistryClient({ registry: proxy.host, chunkSize: MiB });
    const bytes = randomBytes(5 * MiB + 12_345);
    const desc = { digest: sha256(bytes) as Digest, size: bytes.length };
    const session = memorySession();
    let opened: number[] = [];
    const source = async (offset: number) => {
      opened.push(offset);
      const { Readable } = await import('node:stream');
      return Readable.from([bytes.subarray(offset)]);
    };

    proxy.cutAfter(Math.floor(3.5 * MiB));
    await expect(client.uploadBlob('resume/app', desc, source, { session })).rejects.toMatchObject({
      status: 0,
    });
    expect(proxy.cut).toBe(true);
    expect(session.value).toMatch(/\/v2\/resume\/app\/blobs\/uploads\//);

    proxy.resetCount();
    opened = [];
    await client.uploadBlob('resume/app', desc, source, { session });
    // Three whole chunks were stored before the cut; the fourth was rolled back and is sent again
    // (asked at once, the registry may still be rolling it back: the client asks again on 416).
    expect(opened.at(-1)).toBe(3 * MiB);
    expect(proxy.sentUpstream).toBeLessThan(bytes.length - MiB);
    expect(session.value).toBeUndefined();
    expect((await client.getBlobBytes('resume/app', desc.digest)).equals(bytes)).toBe(true);
  });

  it('starts over when the saved session is gone', async () => {
    const client = new RegistryClient({ registry: proxy.host, chunkSize: MiB });
    const bytes = randomBytes(2 * MiB + 1);
    const desc = { digest: sha256(bytes) as Digest, size: bytes.length };
    const session = memorySession();
    session.value = `http://${proxy.host}/v2/resume/gone/blobs/uploads/00000000-0000-4000-8000-000000000000`;
    await client.uploadBlob('resume/gone', desc, bytes, { session });
    expect((await client.getBlobBytes('resume/gone', desc.digest)).equals(bytes)).toBe(true);
  });
});

describe('the SSRF guard in the client', () => {
  let evil: Server;
  let evilHost: string;
  const hits: string[] = [];

  beforeAll(async () => {
    // A registry that sends blob reads and uploads to another internal address.
    evil = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      if (req.url === '/v2/') return void res.writeHead(200).end();
      if (req.url?.startsWith('/v2/x/blobs/uploads/'))
        return void res.writeHead(202, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url?.startsWith('/v2/x/blobs/'))
        return void res.writeHead(307, { location: `http://127.0.0.1:${port()}/internal` }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilHost = `127.0.0.1:${port()}`;
  });
  afterAll(() => new Promise<void>((r) => evil.close(() => r())));
  const port = () => (evil.address() as AddressInfo).port;

  it('refuses redirects and upload locations into internal networks for a public endpoint', async () => {
    // Treated as public (the decision under test); every request still goes to 127.0.0.1 only.
    const client = new RegistryClient({ registry: evilHost, internalEndpoint: false });
    const digest = sha256(Buffer.from('x')) as Digest;
    await expect(client.getBlobBytes('x', digest)).rejects.toMatchObject({ code: 'REDIRECT_REFUSED' });
    await expect(client.uploadBlob('x', { digest, size: 1 }, Buffer.from('x'))).rejects.toMatchObject({
      code: 'REDIRECT_REFUSED',
    });
    expect(hits.some((h) => h.includes('/internal'))).toBe(false);
  });

  it('lets an internal endpoint redirect within its network', async () => {
    const client = new RegistryClient({ registry: evilHost });
    const digest = sha256(Buffer.from('x')) as Digest;
    await expect(client.getBlobBytes('x', digest)).rejects.toMatchObject({ status: 404 });
    expect(hits.at(-1)).toBe('GET /internal');
  });
});
