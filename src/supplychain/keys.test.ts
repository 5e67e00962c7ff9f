import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSupplyChainError, type SupplyChainErrorCode } from './errors.js';
import {
  COSIGN_PRIVATE_KEY_PEM_TYPE,
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  keyHint,
  parsePublicKeys,
  publicKeyFromPrivate,
  publicKeyPem,
  SIGSTORE_PRIVATE_KEY_PEM_TYPE,
} from './keys.js';
import { pemBlocks, pemEncode } from './pem.js';

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<SupplyChainErrorCode | 'none'> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'none';
  } catch (err) {
    if (isSupplyChainError(err)) return err.code;
    throw err;
  }
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

interface Body {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

/** Rewrites the JSON body of an encrypted key PEM. */
function editBody(pem: string, edit: (body: Body) => void, type = SIGSTORE_PRIVATE_KEY_PEM_TYPE) {
  const block = pemBlocks(pem)[0];
  if (!block) throw new Error('no block');
  const body = JSON.parse(block.der.toString('utf8')) as Body;
  edit(body);
  return pemEncode(type, Buffer.from(JSON.stringify(body)));
}

describe('generateKeyPair', () => {
  it('is ECDSA P-256', () => {
    const { privateKey, publicKey } = generateKeyPair();
    expect(privateKey.asymmetricKeyType).toBe('ec');
    expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(spki(publicKeyFromPrivate(privateKey))).toEqual(spki(publicKey));
  });
});

describe('encryptPrivateKey / decryptPrivateKey', () => {
  it('round-trips with cosign defaults and writes go-securesystemslib JSON', async () => {
    const { privateKey, publicKey } = generateKeyPair();
    const pem = await encryptPrivateKey(privateKey, 'correct horse');
    expect(pem.startsWith(`-----BEGIN ${SIGSTORE_PRIVATE_KEY_PEM_TYPE}-----\n`)).toBe(true);
    expect(pem.endsWith(`-----END ${SIGSTORE_PRIVATE_KEY_PEM_TYPE}-----\n`)).toBe(true);
    for (const line of pem.trim().split('\n').slice(1, -1)) expect(line.length).toBeLessThanOrEqual(64);
    const body = pemBlocks(pem)[0]?.der.toString('utf8') ?? '';
    expect(body).toMatch(
      /^\{"kdf":\{"name":"scrypt","params":\{"N":65536,"r":8,"p":1\},"salt":"[^"]+"\},"cipher":\{"name":"nacl\/secretbox","nonce":"[^"]+"\},"ciphertext":"[^"]+"\}$/,
    );
    const json = JSON.parse(body);
    expect(Buffer.from(json.kdf.salt, 'base64')).toHaveLength(32);
    expect(Buffer.from(json.cipher.nonce, 'base64')).toHaveLength(24);
    const back = await decryptPrivateKey(pem, 'correct horse');
    expect(spki(publicKeyFromPrivate(back))).toEqual(spki(publicKey));
  });

  it('allows an empty password', async () => {
    const { privateKey } = generateKeyPair();
    const pem = await encryptPrivateKey(privateKey, '', { scryptN: 32768 });
    const back = await decryptPrivateKey(pem, '');
    expect(back.export({ type: 'pkcs8', format: 'der' })).toEqual(
      privateKey.export({ type: 'pkcs8', format: 'der' }),
    );
    expect(await codeOf(decryptPrivateKey(pem, 'x'))).toBe('KEY_PASSWORD');
  });

  it('rejects a wrong password as KEY_PASSWORD', async () => {
    const pem = await encryptPrivateKey(generateKeyPair().privateKey, 'right', { scryptN: 32768 });
    expect(await codeOf(decryptPrivateKey(pem, 'wrong'))).toBe('KEY_PASSWORD');
  });

  it('reads the older ENCRYPTED COSIGN PRIVATE KEY label and N=131072', async () => {
    const { privateKey } = generateKeyPair();
    const pem = await encryptPrivateKey(privateKey, 'pw', { scryptN: 131072 });
    const relabelled = editBody(pem, () => {}, COSIGN_PRIVATE_KEY_PEM_TYPE);
    expect(relabelled).toContain(COSIGN_PRIVATE_KEY_PEM_TYPE);
    const back = await decryptPrivateKey(relabelled, 'pw');
    expect(back.asymmetricKeyType).toBe('ec');
  });

  it('refuses scrypt parameters outside the accepted set (a cheap-KDF downgrade)', async () => {
    const pem = await encryptPrivateKey(generateKeyPair().privateKey, 'pw', { scryptN: 32768 });
    const cases = [
      (b: Body) => (b.kdf.params.N = 16384),
      (b: Body) => (b.kdf.params.r = 16),
      (b: Body) => (b.kdf.params.p = 2),
      (b: Body) => (b.kdf.name = 'pbkdf2'),
      (b: Body) => (b.cipher.name = 'aes-gcm'),
      (b: Body) => (b.cipher.nonce = 'AAAA'),
      (b: Body) => (b.ciphertext = '%%%'),
    ];
    for (const edit of cases)
      expect(await codeOf(decryptPrivateKey(editBody(pem, edit), 'pw'))).toBe('KEY_INVALID');
  });

  it('treats a tampered ciphertext like a wrong password (the MAC fails)', async () => {
    const pem = await encryptPrivateKey(generateKeyPair().privateKey, 'pw', { scryptN: 32768 });
    const tampered = editBody(pem, (b) => {
      const c = Buffer.from(b.ciphertext, 'base64');
      c[c.length - 1] = (c[c.length - 1] ?? 0) ^ 1;
      b.ciphertext = c.toString('base64');
    });
    expect(await codeOf(decryptPrivateKey(tampered, 'pw'))).toBe('KEY_PASSWORD');
  });

  it('refuses other PEM types and garbage', async () => {
    const plain = generateKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await codeOf(decryptPrivateKey(plain, ''))).toBe('KEY_INVALID');
    expect(await codeOf(decryptPrivateKey('not a key', ''))).toBe('KEY_INVALID');
    const notJson = pemEncode(SIGSTORE_PRIVATE_KEY_PEM_TYPE, Buffer.from('nope'));
    expect(await codeOf(decryptPrivateKey(notJson, ''))).toBe('KEY_INVALID');
    expect(await codeOf(encryptPrivateKey(generateKeyPair().publicKey, ''))).toBe('KEY_INVALID');
  });
});

describe('public keys', () => {
  it('publicKeyPem writes the SPKI PEM cosign.pub holds, from either half', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const pem = publicKeyPem(publicKey);
    expect(pem).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(publicKeyPem(privateKey)).toBe(pem);
  });

  it('parsePublicKeys reads every PUBLIC KEY block of the supported types', () => {
    const keys = [
      generateKeyPair().publicKey,
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
      generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
      generateKeyPairSync('ed25519').publicKey,
    ];
    const text = `comment\n${keys.map(publicKeyPem).join('\n')}`;
    expect(parsePublicKeys(text).map(spki)).toEqual(keys.map(spki));
  });

  it('parsePublicKeys refuses none, other curves and broken blocks', async () => {
    expect(await codeOf(() => parsePublicKeys(''))).toBe('KEY_INVALID');
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
    expect(await codeOf(() => parsePublicKeys(publicKeyPem(k1)))).toBe('KEY_INVALID');
    expect(await codeOf(() => parsePublicKeys(pemEncode('PUBLIC KEY', Buffer.from('junk'))))).toBe(
      'KEY_INVALID',
    );
  });

  it('keyHint is base64(sha256(DER SPKI)), as sigstore-go computes it', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const want = createHash('sha256').update(spki(publicKey)).digest('base64');
    expect(keyHint(publicKey)).toBe(want);
    expect(keyHint(privateKey)).toBe(want);
  });
});
