import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccessStore, SigningKeyRecord } from '../../ports/access-store.js';
import type { Principal, RepoAction } from '../access/principal.js';
import { InvalidTokenError, TokenService, type TokenService as TS } from './token-service.js';

/** A working in-memory `signingKeys`: the only part of the access store tokens use. */
function memoryKeys(): AccessStore['signingKeys'] & { rows: SigningKeyRecord[] } {
  const rows: SigningKeyRecord[] = [];
  return {
    rows,
    add: async (k) => void rows.push({ ...k }),
    list: async () => [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()),
    retire: async (kid, at) => {
      for (const r of rows) if (r.kid === kid) r.retiredAt = at;
    },
  };
}

const alice: Principal = { kind: 'user', id: 1, name: 'alice', admin: false };
const rights: Record<string, RepoAction[]> = { 'team/app': ['pull', 'push'], 'public/base': ['pull'] };
const grant = async (repo: string) => rights[repo] ?? [];

describe('TokenService', () => {
  let clock: Date;
  let keys: ReturnType<typeof memoryKeys>;
  let tokens: TS;
  const make = (over: Partial<ConstructorParameters<typeof TokenService>[0]> = {}) =>
    new TokenService({ signingKeys: keys, issuer: 'wharf', ttlSeconds: 300, now: () => clock, ...over });

  beforeEach(async () => {
    clock = new Date('2026-01-01T00:00:00Z');
    keys = memoryKeys();
    tokens = make();
    await tokens.start();
  });

  it('creates one key on first start and reuses it afterwards', async () => {
    expect(keys.rows).toHaveLength(1);
    await make().start();
    expect(keys.rows).toHaveLength(1);
  });

  it('grants the intersection of what was asked and what is allowed', async () => {
    const { token, expiresIn, issuedAt } = await tokens.issue({
      principal: alice,
      service: 'wharf',
      grant,
      scopes: [
        { type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] },
        { type: 'repository', name: 'public/base', actions: ['*'] },
        { type: 'repository', name: 'secret/x', actions: ['pull'] },
        { type: 'registry', name: 'catalog', actions: ['*'] },
      ],
    });
    expect(expiresIn).toBe(300);
    expect(issuedAt).toEqual(clock);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'wharf', sub: 'alice', aud: 'wharf', iat: 1767225600 });
    expect(claims.exp).toBe(1767225600 + 300);
    expect(claims.nbf).toBe(claims.iat);
    expect(typeof claims.jti).toBe('string');
    expect(claims['access']).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'public/base', actions: ['pull'] },
      { type: 'repository', name: 'secret/x', actions: [] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: keys.rows[0]?.kid });
  });

  it('verifies its own tokens and gives back subject and access', async () => {
    const anon = await tokens.issue({
      principal: { kind: 'anonymous' },
      service: 'wharf',
      grant,
      scopes: [{ type: 'repository', name: 'public/base', actions: ['pull'] }],
    });
    await expect(tokens.verify(anon.token, 'wharf')).resolves.toEqual({
      subject: '',
      access: [{ type: 'repository', name: 'public/base', actions: ['pull'] }],
    });
  });

  describe('refuses', () => {
    let token: string;
    beforeEach(async () => {
      ({ token } = await tokens.issue({ principal: alice, service: 'wharf', grant, scopes: [] }));
    });

    it('expired tokens (beyond the clock skew) and tokens not yet valid', async () => {
      clock = new Date(clock.getTime() + 320_000);
      await expect(tokens.verify(token, 'wharf')).resolves.toMatchObject({ subject: 'alice' });
      clock = new Date(clock.getTime() + 20_000);
      await expect(tokens.verify(token, 'wharf')).rejects.toThrow(/ERR_JWT_EXPIRED/);
      clock = new Date('2025-12-31T23:59:00Z');
      await expect(tokens.verify(token, 'wharf')).rejects.toThrow(/ERR_JWT_CLAIM_VALIDATION_FAILED/);
    });

    it('another audience or issuer', async () => {
      await expect(tokens.verify(token, 'other')).rejects.toBeInstanceOf(InvalidTokenError);
      const foreign = make({ issuer: 'someone-else' });
      await foreign.start();
      await expect(foreign.verify(token, 'wharf')).rejects.toThrow(/CLAIM_VALIDATION/);
    });

    it('tokens signed by a key it does not hold, tampered and malformed ones', async () => {
      const keys2 = memoryKeys();
      const forger = new TokenService({
        signingKeys: keys2,
        issuer: 'wharf',
        ttlSeconds: 300,
        now: () => clock,
      });
      await forger.start();
      const forged = await forger.issue({ principal: alice, service: 'wharf', grant, scopes: [] });
      await expect(tokens.verify(forged.token, 'wharf')).rejects.toThrow(/unknown key/);
      // Same kid as ours, signature from the forger's key.
      if (keys2.rows[0] && keys.rows[0]) keys2.rows[0].kid = keys.rows[0].kid;
      await forger.start();
      const sameKid = await make({ signingKeys: keys2 }).issue({
        principal: alice,
        service: 'wharf',
        grant,
        scopes: [],
      });
      await expect(tokens.verify(sameKid.token, 'wharf')).rejects.toThrow(/SIGNATURE/);
      const [h, p, s] = token.split('.');
      const payload = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'admin' })).toString(
        'base64url',
      );
      await expect(tokens.verify(`${h}.${payload}.${s}`, 'wharf')).rejects.toThrow(/SIGNATURE/);
      await expect(tokens.verify(`${h}.${p}`, 'wharf')).rejects.toBeInstanceOf(InvalidTokenError);
      await expect(tokens.verify('garbage', 'wharf')).rejects.toThrow(/malformed/);
    });
  });

  it('rotates: new tokens use the new key, old ones verify until they expire', async () => {
    const old = await tokens.issue({ principal: alice, service: 'wharf', grant, scopes: [] });
    const oldKid = keys.rows[0]?.kid;
    const replica = make();
    await replica.start();
    const kid = await tokens.rotate();
    expect(kid).not.toBe(oldKid);
    expect(keys.rows.find((r) => r.kid === oldKid)?.retiredAt).toEqual(clock);
    const fresh = await tokens.issue({ principal: alice, service: 'wharf', grant, scopes: [] });
    expect(decodeProtectedHeader(fresh.token).kid).toBe(kid);
    await expect(tokens.verify(old.token, 'wharf')).resolves.toMatchObject({ subject: 'alice' });
    // The replica loaded before the rotation finds the new key by re-reading the store, once.
    await expect(replica.verify(fresh.token, 'wharf')).resolves.toMatchObject({ subject: 'alice' });
    await tokens.rotate();
    const newer = await tokens.issue({ principal: alice, service: 'wharf', grant, scopes: [] });
    await expect(replica.verify(newer.token, 'wharf')).rejects.toThrow(/unknown key/);
    clock = new Date(clock.getTime() + 6_000);
    await expect(replica.verify(newer.token, 'wharf')).resolves.toMatchObject({ subject: 'alice' });
  });

  it('refuses tokens a retired key signed long after its retirement', async () => {
    const stale = make({ reloadIntervalMs: 3_600_000 });
    await stale.start();
    await tokens.rotate();
    clock = new Date(clock.getTime() + 200_000);
    // `stale` never reloaded, so it still signs with the retired key.
    const late = await stale.issue({ principal: alice, service: 'wharf', grant, scopes: [] });
    await expect(tokens.verify(late.token, 'wharf')).rejects.toThrow(/retired key/);
  });
});
