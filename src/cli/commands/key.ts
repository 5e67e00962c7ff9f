import type { KeyObject } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  parsePublicKeys,
  publicKeyPem,
} from '../../supplychain/index.js';
import { action, type CliIo, UsageError } from './io.js';

const PASSWORD_VARS = ['COSIGN_PASSWORD', 'WHARF_KEY_PASSWORD'] as const;

type TtyInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** Reads one line from a terminal without echoing it. */
function promptHidden(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin as TtyInput;
  io.stderr(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new Error('interrupted'));
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
      return undefined;
    };
    stdin.on('data', onData);
  });
}

/**
 * The key password: `COSIGN_PASSWORD` or `WHARF_KEY_PASSWORD` (empty is allowed, as in cosign),
 * else a prompt when stdin is a terminal (asked twice when `confirm`), else an error.
 */
export async function keyPassword(io: CliIo, opts: { confirm?: boolean } = {}): Promise<string> {
  for (const name of PASSWORD_VARS) {
    const v = io.env[name];
    if (v !== undefined) return v;
  }
  if ((io.stdin as TtyInput).isTTY !== true) {
    throw new UsageError(
      'no key password: set COSIGN_PASSWORD (or WHARF_KEY_PASSWORD), or run on a terminal',
    );
  }
  const first = await promptHidden(io, 'Enter password for private key: ');
  if (opts.confirm && (await promptHidden(io, 'Enter password for private key again: ')) !== first) {
    throw new UsageError('the passwords do not match');
  }
  return first;
}

/** Decrypts a cosign private key file with the password from the environment or a prompt. */
export async function loadPrivateKey(io: CliIo, path: string): Promise<KeyObject> {
  const pem = await readFile(path, 'utf8');
  return decryptPrivateKey(pem, await keyPassword(io));
}

/** Every public key in a PEM file. */
export async function loadPublicKeys(path: string): Promise<KeyObject[]> {
  const keys = parsePublicKeys(await readFile(path, 'utf8'));
  if (keys.length === 0) throw new UsageError(`${path} holds no PUBLIC KEY block`);
  return keys;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function generate(io: CliIo, prefix: string): Promise<void> {
  const keyPath = `${prefix}.key`;
  const pubPath = `${prefix}.pub`;
  for (const p of [keyPath, pubPath]) {
    if (await exists(p)) throw new UsageError(`${p} already exists; not overwriting it`);
  }
  const password = await keyPassword(io, { confirm: true });
  const { privateKey, publicKey } = generateKeyPair();
  const encrypted = await encryptPrivateKey(privateKey, password);
  await writeFile(keyPath, encrypted, { flag: 'wx', mode: 0o600 });
  await writeFile(pubPath, publicKeyPem(publicKey), { flag: 'wx', mode: 0o644 });
  io.stdout(`Private key written to ${keyPath}\nPublic key written to ${pubPath}\n`);
}

export function registerKey(program: Command, io: CliIo): void {
  const key = program.command('key').description('cosign-compatible signing keys');
  key
    .command('generate')
    .description('create an encrypted ECDSA P-256 key pair (cosign.key, cosign.pub)')
    .option('--output-key-prefix <prefix>', 'write PREFIX.key and PREFIX.pub', 'cosign')
    .action(action(io, (flags: { outputKeyPrefix: string }) => generate(io, flags.outputKeyPrefix)));
}
