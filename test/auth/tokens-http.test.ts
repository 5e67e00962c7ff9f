import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WharfEvent } from '../../src/services/events/index.js';
import { TokenService } from '../../src/services/tokens/index.js';
import { OCI_MANIFEST } from '../helpers/oci.js';
import { errorCode, V2 } from '../helpers/registry-client.js';
import { type AuthServer, memorySigningKeys, startAuthServer } from './harness.js';
import { adminPush, basic, PASSWORD, type PushedImage, seedAccess } from './world.js';

const CHALLENGE = (url: string, extra = '') => `Bearer realm="${url}/token",service="wharf"${extra}`;

/** What a LOGIN_FAILED event says (without its id and time). */
const loginFailure = (events: WharfEvent[]) =>
  events.map(({ type, actor, clientIp, repository, outcome, detail }) => ({
    type,
    actor,
    clientIp,
    repository,
    outcome,
    detail,
  }));

describe('token endpoint and bearer checks', () => {
  let server: AuthServer;
  let image: PushedImage;
  let secret: PushedImage;

  beforeAll(async () => {
    server = await startAuthServer({});
    const access = server.access;
    await seedAccess(access);
    await access.createUser({ username: 'outsider', password: PASSWORD });
    await access.createProject({ name: 'mine' });
    await access.addMember('mine', 'outsider', 'developer');
    await access.createUser({ username: 'leaver', password: PASSWORD });
    await access.createProject({ name: 'gone' });
    await access.addMember('gone', 'leaver', 'developer');
    image = await adminPush(server.url, 'pub/app', 'v1');
    secret = await adminPush(server.url, 'priv/src', 'v1');
  });
  afterAll(() => server?.close());

  async function getToken(scopes: string[], creds?: string): Promise<Response> {
    const q = new URLSearchParams({ service: 'wharf' });
    for (const s of scopes) q.append('scope', s);
    return fetch(`${server.url}/token?${q}`, creds ? { headers: { authorization: creds } } : {});
  }

  async function tokenOf(scopes: string[], creds?: string): Promise<string> {
    const r = await getToken(scopes, creds);
    expect(r.status).toBe(200);
    return ((await r.json()) as { token: string }).token;
  }

  const bearer = (token: string) => new V2(server.url, `Bearer ${token}`);

  /** The LOGIN_FAILED events recorded after the first `before` of them. */
  const failuresSince = async (before: number) => (await server.loginFailures()).slice(before);
  /** Exactly one refused login since `before`, for `username`, and the password nowhere in it. */
  const expectOneLoginFailure = async (before: number, username: string, password: string) => {
    const failures = await failuresSince(before);
    expect(loginFailure(failures)).toEqual([
      {
        type: 'LOGIN_FAILED',
        actor: { name: username, kind: 'user' },
        clientIp: '127.0.0.1',
        repository: null,
        outcome: 'failure',
        detail: { reason: 'invalid credentials' },
      },
    ]);
    expect(JSON.stringify(failures)).not.toContain(password);
  };

  it('challenges an anonymous GET /v2/ and lets any valid token (even anonymous) through', async () => {
    const r = await fetch(`${server.url}/v2/`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(CHALLENGE(server.url));
    expect((await bearer(await tokenOf([])).fetch('/v2/')).status).toBe(200);
    expect((await new V2(server.url, basic('guest', PASSWORD)).fetch('/v2/')).status).toBe(200);
  });

  it('builds the realm from the Host header the client used', async () => {
    const r = await fetch(`${server.url.replace('127.0.0.1', 'localhost')}/v2/`);
    expect(r.headers.get('www-authenticate')).toContain(
      `realm="${server.url.replace('127.0.0.1', 'localhost')}/token"`,
    );
  });

  it('answers GET /token with token, access_token, expires_in and issued_at', async () => {
    const r = await getToken(['repository:pub/app:pull'], basic('developer', PASSWORD));
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = (await r.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'issued_at', 'token']);
    expect(body['expires_in']).toBe(300);
    expect(Date.parse(body['issued_at'] as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses bad credentials at /token with 401 UNAUTHORIZED and reports the failure', async () => {
    const before = (await server.loginFailures()).length;
    const r = await getToken(['repository:pub/app:pull'], basic('developer', 'wrong'));
    expect(r.status).toBe(401);
    expect(await errorCode(r)).toBe('UNAUTHORIZED');
    expect(loginFailure(await failuresSince(before))).toEqual([
      {
        type: 'LOGIN_FAILED',
        actor: { name: 'developer', kind: 'user' },
        clientIp: '127.0.0.1',
        repository: null,
        outcome: 'failure',
        detail: { reason: 'invalid credentials' },
      },
    ]);
    // The attempted password is nowhere in the audit log.
    const { events } = await server.wharf.eventing.audit.query({ limit: 500 });
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain('wrong');
    expect((await getToken([], 'Bearer abc')).status).toBe(401);
    expect((await getToken([], basic('nobody', 'x'))).status).toBe(401);
  });

  it('refuses a token for another service', async () => {
    const r = await fetch(`${server.url}/token?service=elsewhere&scope=repository:pub/app:pull`);
    expect(r.status).toBe(400);
  });

  it('takes the OAuth2 password form on POST /token', async () => {
    const form = new URLSearchParams({
      grant_type: 'password',
      username: 'developer',
      password: PASSWORD,
      client_id: 'containerd',
      service: 'wharf',
      scope: 'repository:priv/app:pull,push repository:pub/app:pull',
    });
    const r = await fetch(`${server.url}/token`, { method: 'POST', body: form });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { access_token: string; expires_in: number; scope: string };
    expect(body.expires_in).toBe(300);
    expect(body.scope).toBe('repository:priv/app:pull,push repository:pub/app:pull');
    const pushed = await bearer(body.access_token).pushBlob('priv/app', image.config);
    expect(pushed.status).toBe(201);

    const before = (await server.loginFailures()).length;
    form.set('password', 'nope');
    const bad = await fetch(`${server.url}/token`, { method: 'POST', body: form });
    expect(bad.status).toBe(401);
    expect(await errorCode(bad)).toBe('UNAUTHORIZED');
    await expectOneLoginFailure(before, 'developer', 'nope');
    form.set('grant_type', 'client_credentials');
    expect((await fetch(`${server.url}/token`, { method: 'POST', body: form })).status).toBe(400);
    const json = await fetch(`${server.url}/token`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(400);
  });

  it('grants nothing (but never errors) for unknown and invisible repositories', async () => {
    const token = await tokenOf(
      ['repository:priv/app:pull', 'repository:nope/x:pull,push'],
      basic('nonmember', PASSWORD),
    );
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      access: unknown;
    };
    expect(claims.access).toEqual([
      { type: 'repository', name: 'priv/app', actions: [] },
      { type: 'repository', name: 'nope/x', actions: [] },
    ]);
    const r = await bearer(token).fetch('/v2/priv/app/tags/list');
    expect(r.status).toBe(404);
    expect(await errorCode(r)).toBe('NAME_UNKNOWN');
  });

  describe('refused tokens: 401 with the challenge and error="invalid_token"', () => {
    const expectInvalid = async (token: string) => {
      const r = await bearer(token).fetch('/v2/pub/app/tags/list');
      expect(r.status).toBe(401);
      expect(await errorCode(r)).toBe('UNAUTHORIZED');
      expect(r.headers.get('www-authenticate')).toBe(CHALLENGE(server.url, ',error="invalid_token"'));
    };
    const issue = (t: TokenService, service = 'wharf') =>
      t.issue({
        principal: { kind: 'anonymous' },
        service,
        grant: async () => ['pull'],
        scopes: [{ type: 'repository', name: 'pub/app', actions: ['pull'] }],
      });

    it('accepts the same token when it is fresh (control)', async () => {
      const t = await issue(server.tokens);
      expect((await bearer(t.token).fetch('/v2/pub/app/tags/list')).status).toBe(200);
    });

    it('expired', async () => {
      const past = new TokenService({
        signingKeys: server.signingKeys,
        issuer: 'wharf',
        ttlSeconds: 300,
        now: () => new Date(Date.now() - 3_600_000),
      });
      await past.start();
      await expectInvalid((await issue(past)).token);
    });

    it('forged (signed by another key)', async () => {
      const forger = new TokenService({ signingKeys: memorySigningKeys(), issuer: 'wharf', ttlSeconds: 300 });
      await forger.start();
      await expectInvalid((await issue(forger)).token);
    });

    it('for another audience', async () => {
      await expectInvalid((await issue(server.tokens, 'other-registry')).token);
    });

    it('from another issuer', async () => {
      const other = new TokenService({
        signingKeys: server.signingKeys,
        issuer: 'someone-else',
        ttlSeconds: 300,
      });
      await other.start();
      await expectInvalid((await issue(other)).token);
    });

    it('garbage and tampered', async () => {
      await expectInvalid('not-a-jwt');
      const good = (await issue(server.tokens)).token;
      const [h, , s] = good.split('.');
      const body = Buffer.from(JSON.stringify({ sub: 'root', access: [] })).toString('base64url');
      await expectInvalid(`${h}.${body}.${s}`);
    });

    it('naming an account that no longer exists', async () => {
      const token = await tokenOf(['repository:gone/app:pull'], basic('leaver', PASSWORD));
      await server.access.deleteUser('leaver');
      await expectInvalid(token);
    });

    it('keeps accepting tokens signed before a key rotation', async () => {
      const before = await issue(server.tokens);
      await server.tokens.rotate();
      const after = await issue(server.tokens);
      expect((await bearer(before.token).fetch('/v2/pub/app/tags/list')).status).toBe(200);
      expect((await bearer(after.token).fetch('/v2/pub/app/tags/list')).status).toBe(200);
    });
  });

  it('asks for a fuller token (insufficient_scope) when the account may do more than its token grants', async () => {
    const pullOnly = await tokenOf(['repository:priv/app:pull'], basic('developer', PASSWORD));
    const r = await bearer(pullOnly).pushBlob('priv/app', image.layer);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(
      CHALLENGE(server.url, ',scope="repository:priv/app:pull,push",error="insufficient_scope"'),
    );
    const guest = await tokenOf(['repository:priv/app:pull'], basic('guest', PASSWORD));
    expect((await bearer(guest).pushBlob('priv/app', image.layer)).status).toBe(403);
  });

  it('accepts Basic straight on /v2 and challenges a wrong password', async () => {
    const dev = new V2(server.url, basic('developer', PASSWORD));
    expect((await dev.fetch('/v2/priv/src/manifests/v1', { headers: { accept: OCI_MANIFEST } })).status).toBe(
      200,
    );
    const before = (await server.loginFailures()).length;
    const bad = await new V2(server.url, basic('developer', 'wrong')).fetch('/v2/pub/app/tags/list');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe(CHALLENGE(server.url));
    await expectOneLoginFailure(before, 'developer', 'wrong');
    expect((await new V2(server.url, 'Digest abc').fetch('/v2/pub/app/tags/list')).status).toBe(401);
  });

  it('anonymous without a token: public pulls work, private ones are challenged', async () => {
    expect((await fetch(`${server.url}/v2/pub/app/tags/list`)).status).toBe(200);
    const r = await fetch(`${server.url}/v2/priv/src/tags/list`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(
      CHALLENGE(server.url, ',scope="repository:priv/src:pull"'),
    );
  });

  it('turns a mount from a repository the principal cannot read into a plain upload', async () => {
    const token = await tokenOf(
      ['repository:mine/app:pull,push', 'repository:priv/src:pull'],
      basic('outsider', PASSWORD),
    );
    const hidden = await bearer(token).fetch(
      `/v2/mine/app/blobs/uploads/?mount=${secret.layer.digest}&from=priv/src`,
      {
        method: 'POST',
      },
    );
    expect(hidden.status).toBe(202);
    expect(hidden.headers.get('location')).toMatch(/\/v2\/mine\/app\/blobs\/uploads\//);
    // The same mount by someone who can read the source really mounts.
    const dev = await tokenOf(
      ['repository:priv/app:pull,push', 'repository:priv/src:pull'],
      basic('developer', PASSWORD),
    );
    const mounted = await bearer(dev).fetch(
      `/v2/priv/app/blobs/uploads/?mount=${secret.layer.digest}&from=priv/src`,
      {
        method: 'POST',
      },
    );
    expect(mounted.status).toBe(201);
  });
});

describe('config: externalUrl and token.ttlSeconds', () => {
  let server: AuthServer;
  beforeAll(async () => {
    server = await startAuthServer({ externalUrl: 'https://registry.example.com/', ttlSeconds: 60 });
  });
  afterAll(() => server?.close());

  it('externalUrl is the realm of every challenge', async () => {
    const r = await fetch(`${server.url}/v2/`);
    expect(r.headers.get('www-authenticate')).toBe(CHALLENGE('https://registry.example.com'));
  });

  it('token.ttlSeconds is the lifetime of the tokens /token issues', async () => {
    const r = await fetch(`${server.url}/token?service=wharf`);
    const body = (await r.json()) as { token: string; expires_in: number };
    expect(body.expires_in).toBe(60);
    const claims = JSON.parse(Buffer.from(body.token.split('.')[1] ?? '', 'base64url').toString()) as {
      iat: number;
      exp: number;
    };
    expect(claims.exp - claims.iat).toBe(60);
  });
});
