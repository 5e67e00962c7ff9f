import { describe, expect, it } from 'vitest';
import { generateSecret, hashPassword, hashSecret, verifyPassword, verifySecret } from './passwords.js';

describe('passwords and secrets', () => {
  it('hashes passwords with scrypt and a fresh salt', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a.salt).not.toBe(b.salt);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('x', { salt: a.salt, hash: '' })).toBe(false);
  });

  it('hashes robot secrets with a keyed SHA-256', () => {
    const secret = generateSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    const stored = hashSecret(secret);
    expect(verifySecret(secret, stored)).toBe(true);
    expect(verifySecret(generateSecret(), stored)).toBe(false);
    expect(verifySecret(secret, { salt: stored.salt, hash: 'AAAA' })).toBe(false);
  });
});
