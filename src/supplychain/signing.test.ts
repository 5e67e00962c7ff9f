import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSupplyChainError } from './errors.js';
import { generateKeyPair } from './keys.js';
import { signBytes, verifyBytes } from './signing.js';

const data = Buffer.from('the exact bytes');

describe('signBytes / verifyBytes', () => {
  it('P-256: a DER signature over SHA-256, standard padded base64', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const sig = signBytes(privateKey, data);
    expect(sig).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const der = Buffer.from(sig, 'base64');
    expect(der[0]).toBe(0x30);
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
    expect(verifyBytes(publicKey, data, sig)).toBe(true);
  });

  it('accepts P1363 (r‖s) and URL-safe base64', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const p1363 = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verifyBytes(publicKey, data, p1363.toString('base64'))).toBe(true);
    expect(verifyBytes(publicKey, data, p1363.toString('base64url'))).toBe(true);
  });

  it('rejects other data, another key, garbage and empty signatures', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const sig = signBytes(privateKey, data);
    expect(verifyBytes(publicKey, Buffer.from('other bytes'), sig)).toBe(false);
    expect(verifyBytes(generateKeyPair().publicKey, data, sig)).toBe(false);
    expect(verifyBytes(publicKey, data, 'not*base64')).toBe(false);
    expect(verifyBytes(publicKey, data, '')).toBe(false);
    expect(verifyBytes(publicKey, data, Buffer.from('short').toString('base64'))).toBe(false);
  });

  it('P-384 and P-521 use the hash sigstore pairs with the curve; SHA-256 still verifies', () => {
    for (const [curve, hash] of [
      ['P-384', 'sha384'],
      ['P-521', 'sha512'],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const sig = Buffer.from(signBytes(privateKey, data), 'base64');
      expect(verify(hash, data, publicKey, sig)).toBe(true);
      const sha256 = sign('sha256', data, privateKey).toString('base64');
      expect(verifyBytes(publicKey, data, sha256)).toBe(true);
    }
  });

  it('RSA PKCS#1 v1.5 SHA-256 and Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaSig = signBytes(rsa.privateKey, data);
    expect(verify('sha256', data, rsa.publicKey, Buffer.from(rsaSig, 'base64'))).toBe(true);
    expect(verifyBytes(rsa.publicKey, data, rsaSig)).toBe(true);
    const ed = generateKeyPairSync('ed25519');
    const edSig = signBytes(ed.privateKey, data);
    expect(verify(null, data, ed.publicKey, Buffer.from(edSig, 'base64'))).toBe(true);
    expect(verifyBytes(ed.publicKey, data, edSig)).toBe(true);
    expect(verifyBytes(ed.privateKey, data, edSig)).toBe(true);
  });

  it('refuses to sign with a public key or an unsupported type', () => {
    const attempt = (fn: () => unknown) => {
      try {
        fn();
        return 'none';
      } catch (err) {
        return isSupplyChainError(err) ? err.code : 'other';
      }
    };
    expect(attempt(() => signBytes(generateKeyPair().publicKey, data))).toBe('KEY_INVALID');
    expect(attempt(() => signBytes(generateKeyPairSync('x25519').privateKey, data))).toBe('KEY_INVALID');
    expect(verifyBytes(generateKeyPairSync('x25519').publicKey, data, 'AAAA')).toBe(false);
  });
});
