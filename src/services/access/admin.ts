import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, PARAMS);
  return { salt: salt.toString('base64'), hash: hash.toString('base64') };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(stored.salt, 'base64'), expected.length, PARAMS);
  return timingSafeEqual(actual, expected);
}

export interface AdminAccount {
  username: string;
  hash: PasswordHash;
  /** Set only when the password was generated now; the caller prints it once. */
  generatedPassword?: string;
}

/**
 * The bootstrap admin: the configured password (hashed in memory) or, failing that, one generated
 * on first start whose hash is kept in the data dir. Users and roles in the database replace this later.
 */
export async function loadAdmin(dataDir: string, configured: string): Promise<AdminAccount> {
  if (configured) return { username: 'admin', hash: await hashPassword(configured) };
  const file = join(dataDir, 'admin-password.scrypt.json');
  try {
    return { username: 'admin', hash: JSON.parse(await readFile(file, 'utf8')) as PasswordHash };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const password = randomBytes(18).toString('base64url');
  const hash = await hashPassword(password);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(hash), { mode: 0o600, flag: 'wx' });
  return { username: 'admin', hash, generatedPassword: password };
}
