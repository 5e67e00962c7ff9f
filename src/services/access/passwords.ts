import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;
// One of OWASP's equivalent scrypt settings (N=2^15, r=8, p=3): 32 MiB and tens of ms per check, so
// memory stays bounded under concurrent logins; callers cache verified credentials.
const PARAMS = { N: 2 ** 15, r: 8, p: 3, maxmem: 64 * 1024 * 1024 };

export interface PasswordHash {
  salt: string;
  hash: string;
}

/** A user's password, scrypt-hashed with a fresh 16-byte salt (both base64). */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, PARAMS);
  return { salt: salt.toString('base64'), hash: hash.toString('base64') };
}

/** Constant-time check of a password against its stored scrypt hash. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  if (expected.length === 0) return false;
  const actual = await scryptAsync(password, Buffer.from(stored.salt, 'base64'), expected.length, PARAMS);
  return timingSafeEqual(actual, expected);
}

/** A robot secret: 32 random bytes, base64url. Shown once; only its hash is stored. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Robot secrets are 256 random bits, beyond brute force, so a keyed SHA-256 (HMAC with a per-robot
 * salt) protects them as well as scrypt would, without scrypt's 32 MiB and tens of ms per check.
 */
export function hashSecret(secret: string): PasswordHash {
  const salt = randomBytes(16);
  return { salt: salt.toString('base64'), hash: hmac(secret, salt).toString('base64') };
}

/** Constant-time check of a robot secret against its stored hash. */
export function verifySecret(secret: string, stored: PasswordHash): boolean {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = hmac(secret, Buffer.from(stored.salt, 'base64'));
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

function hmac(secret: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(secret, 'utf8').digest();
}
