import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Sealed values start with this tag: the scheme and key version, so a later scheme can coexist. */
const PREFIX = 'v1.';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that does not open with this key (tampered, truncated or sealed with another key). */
export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

/**
 * Small secrets at rest (upstream registry passwords): AES-256-GCM with a random 96-bit nonce per
 * value, sealed as `v1.<base64url(nonce | ciphertext | tag)>`. `context` is bound as additional
 * data, so a sealed value copied to another record (another project) does not open there.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a secret key is ${KEY_BYTES} bytes, not ${key.length}`);
    this.key = Buffer.from(key);
  }

  static readonly KEY_BYTES = KEY_BYTES;

  static generateKey(): Buffer {
    return randomBytes(KEY_BYTES);
  }

  seal(plain: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Throws SealedValueError when the value is not one this key sealed for this context. */
  open(sealed: string, context: string): string {
    if (!sealed.startsWith(PREFIX)) throw new SealedValueError('not a sealed value');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new SealedValueError('sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      const body = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new SealedValueError(`sealed value does not open with this key: ${(err as Error).message}`);
    }
  }
}
