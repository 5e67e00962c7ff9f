import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  scrypt,
} from 'node:crypto';
import nacl from 'tweetnacl';
import { decodeBase64, encodeBase64, isBase64Problem } from './base64.js';
import { SupplyChainError } from './errors.js';
import { isObject, parseJson } from './json.js';
import { pemBlocks, pemEncode } from './pem.js';

/** The PEM type cosign writes; the older one it still reads. */
export const SIGSTORE_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';

/** go-securesystemslib accepts exactly these scrypt costs (legacy, standard, OWASP), always r=8 p=1. */
export type ScryptN = 32768 | 65536 | 131072;
const SCRYPT_NS: readonly number[] = [32768, 65536, 131072];
const SCRYPT_R = 8;
const SCRYPT_P = 1;

export function generateKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function deriveKey(password: string, salt: Buffer, N: number): Promise<Buffer> {
  // Node refuses unless maxmem exceeds 128·N·r; leave room for its own bookkeeping.
  const options = { N, r: SCRYPT_R, p: SCRYPT_P, maxmem: 256 * N * SCRYPT_R };
  return new Promise((resolve, reject) => {
    scrypt(Buffer.from(password, 'utf8'), salt, 32, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * Encrypts a private key the way `cosign generate-key-pair` does: PKCS#8 DER sealed with
 * nacl/secretbox under scrypt(password), as the JSON of go-securesystemslib's `encrypted` package,
 * in a PEM block of type ENCRYPTED SIGSTORE PRIVATE KEY. An empty password is allowed.
 */
export async function encryptPrivateKey(
  privateKey: KeyObject,
  password: string,
  options: { scryptN?: ScryptN } = {},
): Promise<string> {
  if (privateKey.type !== 'private') throw new SupplyChainError('KEY_INVALID', 'not a private key');
  const N = options.scryptN ?? 65536;
  const salt = randomBytes(32);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const key = await deriveKey(password, salt, N);
  const plaintext = privateKey.export({ type: 'pkcs8', format: 'der' });
  const ciphertext = nacl.secretbox(plaintext, nonce, key);
  // Field names and order as Go marshals go-securesystemslib's structs.
  const body = {
    kdf: { name: 'scrypt', params: { N, r: SCRYPT_R, p: SCRYPT_P }, salt: encodeBase64(salt) },
    cipher: { name: 'nacl/secretbox', nonce: encodeBase64(nonce) },
    ciphertext: encodeBase64(ciphertext),
  };
  return pemEncode(SIGSTORE_PRIVATE_KEY_PEM_TYPE, Buffer.from(JSON.stringify(body)));
}

interface EncryptedKey {
  N: number;
  salt: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
}

function invalid(message: string): SupplyChainError {
  return new SupplyChainError('KEY_INVALID', message);
}

function bytesField(v: unknown, what: string): Buffer {
  const b = typeof v === 'string' ? decodeBase64(v) : 'invalid';
  if (isBase64Problem(b)) throw invalid(`encrypted key: ${what} is not base64`);
  return b;
}

function readEncryptedKey(der: Buffer): EncryptedKey {
  const parsed = parseJson(der);
  if (!parsed.ok || !isObject(parsed.value)) throw invalid('encrypted key: body is not JSON');
  const { kdf, cipher, ciphertext } = parsed.value;
  if (!isObject(kdf) || kdf.name !== 'scrypt') throw invalid('encrypted key: kdf is not scrypt');
  if (!isObject(cipher) || cipher.name !== 'nacl/secretbox')
    throw invalid('encrypted key: cipher is not nacl/secretbox');
  const params = isObject(kdf.params) ? kdf.params : {};
  const N = params.N;
  if (typeof N !== 'number' || !SCRYPT_NS.includes(N) || params.r !== SCRYPT_R || params.p !== SCRYPT_P)
    throw invalid(`encrypted key: unexpected scrypt parameters ${JSON.stringify(kdf.params)}`);
  const nonce = bytesField(cipher.nonce, 'nonce');
  if (nonce.length !== nacl.secretbox.nonceLength) throw invalid('encrypted key: nonce is not 24 bytes');
  return { N, salt: bytesField(kdf.salt, 'salt'), nonce, ciphertext: bytesField(ciphertext, 'ciphertext') };
}

/**
 * Decrypts a cosign private key (ENCRYPTED SIGSTORE or ENCRYPTED COSIGN PRIVATE KEY). A wrong
 * password is KEY_PASSWORD; anything malformed, or a plaintext that is not PKCS#8, is KEY_INVALID.
 */
export async function decryptPrivateKey(pem: string, password: string): Promise<KeyObject> {
  const block = pemBlocks(pem)[0];
  if (!block) throw invalid('no PEM block');
  if (block.type !== SIGSTORE_PRIVATE_KEY_PEM_TYPE && block.type !== COSIGN_PRIVATE_KEY_PEM_TYPE)
    throw invalid(`unsupported PEM type: ${block.type}`);
  const enc = readEncryptedKey(block.der);
  const key = await deriveKey(password, enc.salt, enc.N);
  const plaintext = nacl.secretbox.open(enc.ciphertext, enc.nonce, key);
  if (!plaintext) throw new SupplyChainError('KEY_PASSWORD', 'wrong password for the private key');
  try {
    return createPrivateKey({ key: Buffer.from(plaintext), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new SupplyChainError('KEY_INVALID', 'the decrypted key is not PKCS#8', { cause });
  }
}

export function publicKeyFromPrivate(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

/** PEM `PUBLIC KEY` (PKIX SPKI), byte-identical to cosign.pub. Given a private key, of its public half. */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return pemEncode('PUBLIC KEY', pub.export({ type: 'spki', format: 'der' }));
}

const EC_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];

function checkSupported(key: KeyObject): KeyObject {
  const t = key.asymmetricKeyType;
  if (t === 'rsa' || t === 'ed25519') return key;
  if (t === 'ec' && EC_CURVES.includes(key.asymmetricKeyDetails?.namedCurve ?? '')) return key;
  throw invalid(
    `unsupported public key type: ${t}${t === 'ec' ? ` ${key.asymmetricKeyDetails?.namedCurve}` : ''}`,
  );
}

/** Every PUBLIC KEY block in the text: EC P-256/384/521, RSA or Ed25519. None, or another type, is KEY_INVALID. */
export function parsePublicKeys(pem: string): KeyObject[] {
  const keys = pemBlocks(pem)
    .filter((b) => b.type === 'PUBLIC KEY')
    .map((b) => {
      try {
        return createPublicKey({ key: b.der, format: 'der', type: 'spki' });
      } catch (cause) {
        throw new SupplyChainError('KEY_INVALID', 'a PUBLIC KEY block is not a valid SPKI key', { cause });
      }
    });
  if (keys.length === 0) throw invalid('no PUBLIC KEY block');
  return keys.map(checkSupported);
}

/** sigstore-go's key hint: standard base64 of SHA-256 over the DER SPKI. */
export function keyHint(publicKey: KeyObject): string {
  const pub = publicKey.type === 'public' ? publicKey : createPublicKey(publicKey);
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}
