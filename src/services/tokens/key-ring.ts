import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { AccessStore, SigningKeyRecord } from '../../ports/access-store.js';

export const ALG = 'ES256';

/** A loaded key: the private half signs (when active), the public half verifies. */
export interface LoadedKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  retiredAt: Date | null;
}

async function load(record: SigningKeyRecord): Promise<LoadedKey> {
  const jwk = JSON.parse(record.privateJwk) as JWK;
  const { d: _d, ...publicJwk } = jwk;
  const privateKey = (await importJWK(jwk, ALG)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, ALG)) as CryptoKey;
  return { kid: record.kid, privateKey, publicKey, retiredAt: record.retiredAt };
}

async function generate(now: Date): Promise<SigningKeyRecord> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = randomUUID();
  return { kid, privateJwk: JSON.stringify({ ...jwk, kid, alg: ALG }), createdAt: now, retiredAt: null };
}

/**
 * The ES256 keys tokens are signed with, persisted in the access store so every replica signs and
 * verifies with the same set. The newest unretired key signs; retired keys only verify.
 */
export class KeyRing {
  private keys: LoadedKey[] = [];

  constructor(private readonly store: AccessStore['signingKeys']) {}

  /** Loads the stored keys, generating (and storing) the first one when there is none. */
  async load(now = new Date()): Promise<void> {
    let records = await this.store.list();
    if (!records.some((r) => r.retiredAt === null)) {
      await this.store.add(await generate(now));
      records = await this.store.list();
    }
    this.keys = await Promise.all(records.map(load));
  }

  /** The key that signs new tokens. */
  active(): LoadedKey {
    const key = this.keys.find((k) => k.retiredAt === null);
    if (!key) throw new Error('no active token signing key (KeyRing.load was not called)');
    return key;
  }

  /** The key with this id, retired or not. */
  find(kid: string): LoadedKey | undefined {
    return this.keys.find((k) => k.kid === kid);
  }

  /** Adds a new active key and retires the previous ones, which keep verifying the tokens they signed. */
  async rotate(now = new Date()): Promise<string> {
    const record = await generate(now);
    await this.store.add(record);
    for (const key of this.keys.filter((k) => k.retiredAt === null)) await this.store.retire(key.kid, now);
    await this.load(now);
    return record.kid;
  }
}
