import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from './errors.js';

/** A validated `algorithm:hex` content digest. Branded so unchecked strings cannot pass as one. */
export type Digest = string & { readonly __digest: unique symbol };

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^(sha256|sha512):([a-f0-9]+)$/;

/** Parses a digest string, or returns undefined when it is not a supported, well-formed digest. */
export function tryParseDigest(value: string): Digest | undefined {
  const m = DIGEST_RE.exec(value);
  if (!m) return undefined;
  const alg = m[1] as DigestAlgorithm;
  return m[2]?.length === HEX_LENGTH[alg] ? (value as Digest) : undefined;
}

/** Parses a digest or throws DIGEST_INVALID (the spec's answer to a malformed digest). */
export function parseDigest(value: string): Digest {
  const d = tryParseDigest(value);
  if (!d)
    throw new RegistryError('DIGEST_INVALID', 'invalid digest', { detail: { digest: value.slice(0, 200) } });
  return d;
}

export function isDigest(value: string): boolean {
  return tryParseDigest(value) !== undefined;
}

export function digestAlgorithm(d: Digest): DigestAlgorithm {
  return d.slice(0, d.indexOf(':')) as DigestAlgorithm;
}

export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

export function createDigester(alg: DigestAlgorithm = 'sha256'): Hash {
  return createHash(alg);
}

export function digestOf(data: Uint8Array | string, alg: DigestAlgorithm = 'sha256'): Digest {
  return `${alg}:${createHash(alg).update(data).digest('hex')}` as Digest;
}
