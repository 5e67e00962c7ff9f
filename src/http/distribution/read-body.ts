import type { Readable } from 'node:stream';
import { RegistryError } from '../../oci/errors.js';

/** Reads a small body whole, refusing (413) as soon as it passes `limit` rather than after. */
export async function readLimited(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      // Answer now and close the connection after the answer; destroying the stream would drop the answer too.
      stream.pause();
      throw new RegistryError('MANIFEST_INVALID', 'manifest too large', {
        status: 413,
        detail: { limit },
        headers: { Connection: 'close' },
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}
