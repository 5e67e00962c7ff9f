import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { V2 } from '../helpers/registry-client.js';
import { type AuthServer, startAuthServer } from './harness.js';
import { adminPush, basic, PASSWORD, seedAccess } from './world.js';

const dialects = await availableDialects();

describe.each(dialects)('replicas sharing one database share the signing keys (%s)', (dialect) => {
  let a: AuthServer;
  let b: AuthServer;

  beforeAll(async () => {
    a = await startAuthServer({ dialect });
    await seedAccess(a.access);
    b = await startAuthServer({ databaseUrl: a.databaseUrl });
    await adminPush(b.url, 'priv/app', 'v1');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const tokenFrom = async (server: AuthServer): Promise<string> => {
    const r = await fetch(`${server.url}/token?service=wharf&scope=repository:priv/app:pull`, {
      headers: { authorization: basic('developer', PASSWORD) },
    });
    return ((await r.json()) as { token: string }).token;
  };
  const kidOf = (token: string): string =>
    (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
  const tagsWith = async (server: AuthServer, token: string) =>
    (await new V2(server.url, `Bearer ${token}`).fetch('/v2/priv/app/tags/list')).status;

  it('a token one replica issued works on the other, before and after a rotation', async () => {
    expect(await tagsWith(b, await tokenFrom(a))).toBe(200);
    expect(await tagsWith(a, await tokenFrom(b))).toBe(200);
    const old = await tokenFrom(a);
    await a.tokens.rotate();
    const fresh = await tokenFrom(a);
    // Signed by the new key, which b only knows from the database they share.
    expect(kidOf(fresh)).not.toBe(kidOf(old));
    expect((await b.signingKeys.list()).map((k) => k.kid)).toContain(kidOf(fresh));
    expect(await tagsWith(b, fresh)).toBe(200);
    expect(await tagsWith(b, old)).toBe(200);
    expect(await tagsWith(a, old)).toBe(200);
  });
});
