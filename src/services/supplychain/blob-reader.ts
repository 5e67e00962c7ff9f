import type { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';
import type { BlobService } from '../registry/index.js';

/** Reads a small blob as a repository sees it (linked there), refusing one over `maxBytes`. */
export interface BlobReader {
  read(repo: string, digest: Digest, maxBytes: number): Promise<Buffer>;
}

export class BlobTooLargeError extends Error {
  constructor(readonly size: number) {
    super(`layer is ${size} bytes, more than a signature or attestation may be`);
    this.name = 'BlobTooLargeError';
  }
}

async function collect(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new BlobTooLargeError(size);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Through the registry's blob service: repository visibility and its small-blob cache apply. */
export function registryBlobReader(blobs: Pick<BlobService, 'open'>): BlobReader {
  return {
    async read(repo, digest, maxBytes) {
      const { blob, body } = await blobs.open(repo, digest);
      if (blob.size > maxBytes) {
        if (!Buffer.isBuffer(body)) body.destroy();
        throw new BlobTooLargeError(blob.size);
      }
      return Buffer.isBuffer(body) ? body : collect(body, maxBytes);
    },
  };
}
