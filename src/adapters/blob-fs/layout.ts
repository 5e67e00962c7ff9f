import { join } from 'node:path';
import { type Digest, digestAlgorithm, digestHex, tryParseDigest } from '../../oci/digest.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Where things live under the store's root (the shape of an OCI image layout):
 *
 * ```
 * <root>/blobs/<alg>/<first two hex>/<hex>   committed, verified, fsync'ed blobs
 * <root>/uploads/<uuid>                      bytes of in-progress uploads
 * ```
 *
 * Paths are derived only from validated parts, so no input can escape the root.
 */
export class FsLayout {
  readonly blobsDir: string;
  readonly uploadsDir: string;

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'blobs');
    this.uploadsDir = join(root, 'uploads');
  }

  blobPath(digest: Digest): string {
    const valid = tryParseDigest(digest);
    if (!valid) throw new Error(`invalid digest: ${String(digest).slice(0, 200)}`);
    const hex = digestHex(valid);
    return join(this.blobsDir, digestAlgorithm(valid), hex.slice(0, 2), hex);
  }

  uploadPath(id: string): string {
    assertUploadId(id);
    return join(this.uploadsDir, id);
  }
}

/** Upload ids are UUIDs; anything else is rejected before it gets near a path. */
export function assertUploadId(id: string): void {
  if (typeof id !== 'string' || !UUID_RE.test(id)) {
    throw new Error(`invalid upload id: ${String(id).slice(0, 100)}`);
  }
}
