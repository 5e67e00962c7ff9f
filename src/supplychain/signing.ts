import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { decodeBase64, encodeBase64, isBase64Problem } from './base64.js';
import { SupplyChainError } from './errors.js';

/**
 * The hash sigstore pairs with each key (sigstore `algorithm_registry.go`): SHA-256 for P-256 and
 * RSA, SHA-384 for P-384, SHA-512 for P-521; Ed25519 signs the message itself (pure Ed25519 —
 * node:crypto has no Ed25519ph).
 */
function hashFor(key: KeyObject): string | null {
  switch (key.asymmetricKeyDetails?.namedCurve) {
    case 'secp384r1':
      return 'sha384';
    case 'secp521r1':
      return 'sha512';
    default:
      return key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  }
}

/** Standard padded base64 of the signature over `data`: ASN.1 DER for ECDSA, PKCS#1 v1.5 for RSA. */
export function signBytes(privateKey: KeyObject, data: Uint8Array): string {
  if (privateKey.type !== 'private') throw new SupplyChainError('KEY_INVALID', 'not a private key');
  const t = privateKey.asymmetricKeyType;
  if (t !== 'ec' && t !== 'rsa' && t !== 'ed25519')
    throw new SupplyChainError('KEY_INVALID', `unsupported key type: ${t}`);
  const signature =
    t === 'ec'
      ? sign(hashFor(privateKey), data, { key: privateKey, dsaEncoding: 'der' })
      : sign(hashFor(privateKey), data, privateKey);
  return encodeBase64(signature);
}

function attempt(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

function verifyEc(key: KeyObject, data: Uint8Array, sig: Buffer): boolean {
  // The curve's own hash first, then SHA-256 (what cosign verifiers default to).
  const hashes = [...new Set([hashFor(key), 'sha256'])];
  const encodings = ['der', 'ieee-p1363'] as const;
  return hashes.some((h) =>
    encodings.some((e) => attempt(() => verify(h, data, { key, dsaEncoding: e }, sig))),
  );
}

/**
 * Whether `signatureB64` (standard or URL-safe base64) is a signature over `data` by `publicKey`.
 * ECDSA signatures may be DER or P1363 (r‖s). Never throws: a malformed signature is `false`.
 */
export function verifyBytes(publicKey: KeyObject, data: Uint8Array, signatureB64: string): boolean {
  const sig = decodeBase64(signatureB64);
  if (isBase64Problem(sig) || sig.length === 0) return false;
  const key = publicKey.type === 'public' ? publicKey : createPublicKey(publicKey);
  switch (key.asymmetricKeyType) {
    case 'ec':
      return verifyEc(key, data, sig);
    case 'rsa':
    case 'ed25519':
      return attempt(() => verify(hashFor(key), data, key, sig));
    default:
      return false;
  }
}
