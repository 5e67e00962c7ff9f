import { Transform, type TransformCallback } from 'node:stream';
import { createDigester, type Digest, digestAlgorithm } from '../oci/digest.js';

/** Thrown (as a stream error) when content does not hash to the digest it was asked for. */
export class DigestMismatchError extends Error {
  constructor(expected: Digest, actual: string, size: number) {
    super(`content of ${expected} hashed to ${actual} (${size} bytes)`);
    this.name = 'DigestMismatchError';
  }
}

/**
 * A pass-through that hashes what flows through and fails at the end when the digest (or the
 * expected size, if given) does not match — so nobody trusts unverified bytes.
 */
export function verifyingStream(expected: Digest, expectedSize?: number): Transform {
  const alg = digestAlgorithm(expected);
  const hash = createDigester(alg);
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      const actual = `${alg}:${hash.digest('hex')}`;
      if (actual !== expected || (expectedSize !== undefined && size !== expectedSize)) {
        cb(new DigestMismatchError(expected, actual, size));
      } else {
        cb();
      }
    },
  });
}
