import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decryptPrivateKey,
  parsePublicKeys,
  publicKeyFromPrivate,
  publicKeyPem,
} from '../../src/supplychain/index.js';
import { cliFor, PASSWORD } from './cli.js';
import type { Target } from './registries.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-key-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const { cli, ok, fails } = cliFor(
  () => dir,
  () => ({}) as Target,
);

describe('wharf key generate', () => {
  it('writes an encrypted cosign.key (0600) and cosign.pub, and refuses to overwrite them', async () => {
    const prefix = join(dir, 'cosign');
    expect(await ok(['key', 'generate', '--output-key-prefix', prefix])).toBe(
      `Private key written to ${prefix}.key\nPublic key written to ${prefix}.pub\n`,
    );
    const keyPem = await readFile(`${prefix}.key`, 'utf8');
    expect(keyPem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    expect((await stat(`${prefix}.key`)).mode & 0o777).toBe(0o600);
    const privateKey = await decryptPrivateKey(keyPem, PASSWORD);
    const pub = await readFile(`${prefix}.pub`, 'utf8');
    expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(publicKeyPem(parsePublicKeys(pub)[0] as never)).toBe(
      publicKeyPem(publicKeyFromPrivate(privateKey)),
    );

    expect(await fails(['key', 'generate', '--output-key-prefix', prefix])).toBe(
      `${prefix}.key already exists; not overwriting it`,
    );
    expect(await readFile(`${prefix}.key`, 'utf8')).toBe(keyPem);
  });

  it('refuses to overwrite a lone cosign.pub, writing neither file', async () => {
    const prefix = join(dir, 'half');
    await writeFile(`${prefix}.pub`, 'mine');
    expect(await fails(['key', 'generate', '--output-key-prefix', prefix])).toMatch(
      /half\.pub already exists/,
    );
    await expect(stat(`${prefix}.key`)).rejects.toThrow(/ENOENT/);
  });

  it('takes WHARF_KEY_PASSWORD, and wants a password when stdin is not a terminal', async () => {
    const prefix = join(dir, 'other');
    const msg = await fails(['key', 'generate', '--output-key-prefix', prefix], {
      COSIGN_PASSWORD: undefined,
    });
    expect(msg).toBe('no key password: set COSIGN_PASSWORD (or WHARF_KEY_PASSWORD), or run on a terminal');
    const r = await cli(['key', 'generate', '--output-key-prefix', prefix], {
      COSIGN_PASSWORD: undefined,
      WHARF_KEY_PASSWORD: 'another',
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    await decryptPrivateKey(await readFile(`${prefix}.key`, 'utf8'), 'another');
  });
});
