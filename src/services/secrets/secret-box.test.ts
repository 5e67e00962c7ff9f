import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateKey } from '../../adapters/key-file/index.js';
import { SealedValueError, SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  it('round-trips, with a fresh nonce each time, and refuses tampering, other keys and other contexts', () => {
    const box = new SecretBox(SecretBox.generateKey());
    const a = box.seal('pässword', 'ctx');
    expect(a).not.toBe(box.seal('pässword', 'ctx'));
    expect(box.open(a, 'ctx')).toBe('pässword');
    expect(() => box.open(a, 'other')).toThrow(SealedValueError);
    expect(() => new SecretBox(SecretBox.generateKey()).open(a, 'ctx')).toThrow(SealedValueError);
    const raw = Buffer.from(a.slice(3), 'base64url');
    raw[14] = (raw[14] ?? 0) ^ 1;
    expect(() => box.open(`v1.${raw.toString('base64url')}`, 'ctx')).toThrow(SealedValueError);
    expect(() => box.open('plain', 'ctx')).toThrow(SealedValueError);
    expect(() => box.open('v1.AAAA', 'ctx')).toThrow(/truncated/);
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(/32 bytes/);
  });

  it('keeps its key in a 0600 file made once, which concurrent starts agree on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wharf-key-'));
    try {
      const path = join(dir, 'secret.key');
      const keys = await Promise.all(
        Array.from({ length: 5 }, () => loadOrCreateKey(path, 32, SecretBox.generateKey)),
      );
      for (const k of keys) expect(k.equals(keys[0] as Buffer)).toBe(true);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await readFile(path)).equals(keys[0] as Buffer)).toBe(true);
      await writeFile(path, 'short');
      await expect(loadOrCreateKey(path, 32, SecretBox.generateKey)).rejects.toThrow(/not a 32-byte key/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
