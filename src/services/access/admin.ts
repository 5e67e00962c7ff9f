import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashPassword, type PasswordHash } from './passwords.js';

export { hashPassword, type PasswordHash, verifyPassword } from './passwords.js';

export interface AdminAccount {
  username: string;
  hash: PasswordHash;
  /** Set only when the password was generated now; the caller prints it once. */
  generatedPassword?: string;
}

/**
 * @deprecated The file-based bootstrap admin, kept until server.ts switches to
 * `AccessService.ensureAdmin` (users live in the database). The configured password (hashed in
 * memory) or, failing that, one generated on first start whose hash is kept in the data dir.
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
