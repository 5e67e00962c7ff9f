import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseChallenges, RegistryClient, RegistryClientError } from '../../src/client/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, base: string) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) =>
    handler(req, res, `http://127.0.0.1:${(server.address() as AddressInfo).port}`),
  );
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** A registry that demands Bearer tokens from its /token realm, which takes alice:secret. */
function bearerRegistry(log: { tokens: string[]; api: string[] }): Handler {
  return (req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/token') {
      log.tokens.push(url.search);
      if (req.headers.authorization !== basic('alice', 'secret')) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      const scopes = url.searchParams.getAll('scope').join(' ');
      res.end(JSON.stringify({ token: Buffer.from(`tok ${scopes}`).toString('base64url'), expires_in: 300 }));
      return;
    }
    log.api.push(`${req.method} ${url.pathname} ${req.headers.authorization ?? '-'}`);
    const m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    const need = m ? `repository:${m[1]}:pull` : '';
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const granted = Buffer.from(token, 'base64url').toString().split(' ');
    if (!req.headers.authorization?.startsWith('Bearer ') || (need && !granted.includes(need))) {
      const scope = need ? `,scope="${need}"` : '';
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="test"${scope}` });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    res.end(m ? JSON.stringify({ name: m[1], tags: ['a', 'b'] }) : '{}');
  };
}

describe('auth challenges', () => {
  it('parses challenges', () => {
    expect(
      parseChallenges('Bearer realm="https://a/token",service="reg",scope="repository:x:pull,push"'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://a/token', service: 'reg', scope: 'repository:x:pull,push' },
      },
    ]);
    expect(parseChallenges(['Basic realm="r"', 'Bearer realm=x, service=y'])).toEqual([
      { scheme: 'basic', params: { realm: 'r' } },
      { scheme: 'bearer', params: { realm: 'x', service: 'y' } },
    ]);
    expect(parseChallenges('Basic realm="a", Bearer realm="b"').map((c) => c.scheme)).toEqual([
      'basic',
      'bearer',
    ]);
  });

  it('fetches a Bearer token with Basic credentials, caches it per scope and retries', async () => {
    const log = { tokens: [] as string[], api: [] as string[] };
    const host = await serve(bearerRegistry(log));
    const client = new RegistryClient({
      registry: host,
      credentials: { username: 'alice', password: 'secret' },
    });
    await client.ping();
    expect(await client.listTags('foo/bar')).toEqual(['a', 'b']);
    expect(await client.listTags('foo/bar')).toEqual(['a', 'b']);
    expect(await client.listTags('other')).toEqual(['a', 'b']);
    expect(log.tokens).toHaveLength(3); // ping, foo/bar once, other once
    expect(log.tokens[1]).toContain('service=test');
    expect(decodeURIComponent(log.tokens[1] ?? '')).toContain('scope=repository:foo/bar:pull');
    const fooCalls = log.api.filter((l) => l.includes('/v2/foo/bar/'));
    // The ping taught the client the scheme: no anonymous attempt, a token up front, then the cached one.
    expect(log.api[0]).toBe('GET /v2/ -');
    expect(fooCalls).toHaveLength(2);
    expect(fooCalls[0]).toMatch(/ Bearer /);
    expect(fooCalls[1]).toBe(fooCalls[0]);
  });

  it('reports bad credentials as a one-line 401 error', async () => {
    const host = await serve(bearerRegistry({ tokens: [], api: [] }));
    const client = new RegistryClient({
      registry: host,
      credentials: { username: 'alice', password: 'wrong' },
    });
    const err = await client.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryClientError);
    expect((err as RegistryClientError).status).toBe(401);
    expect((err as Error).message).toMatch(
      /^token request to 127\.0\.0\.1:\d+: HTTP 401: UNAUTHORIZED: bad credentials$/,
    );
  });

  it('answers a Basic challenge with credentials, and fails without them', async () => {
    const seen: string[] = [];
    const host = await serve((req, res) => {
      seen.push(req.headers.authorization ?? '-');
      if (req.headers.authorization !== basic('bob', 'pw')) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' });
        res.end();
        return;
      }
      res.end('{}');
    });
    await new RegistryClient({ registry: host, credentials: { username: 'bob', password: 'pw' } }).ping();
    expect(seen).toEqual(['-', basic('bob', 'pw')]);
    const err = await new RegistryClient({ registry: host }).ping().catch((e: unknown) => e);
    expect((err as RegistryClientError).status).toBe(401);
    const wrong = new RegistryClient({ registry: host, credentials: { username: 'bob', password: 'x' } });
    expect(((await wrong.ping().catch((e: unknown) => e)) as RegistryClientError).status).toBe(401);
  });

  it('reports an unreachable registry with status 0', async () => {
    const err = await new RegistryClient({ registry: '127.0.0.1:1' }).ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryClientError);
    expect((err as RegistryClientError).status).toBe(0);
    expect((err as Error).message).toBe('ping 127.0.0.1:1: cannot reach 127.0.0.1:1: ECONNREFUSED');
  });
});
