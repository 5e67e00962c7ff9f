import type { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import { assertRepositoryName } from '../../oci/names.js';
import { BlobNotFoundError, type BlobStore, type ByteRange } from '../../ports/blob-store.js';
import type { MetaStore } from '../../ports/meta-store.js';

export interface BlobView {
  digest: Digest;
  size: number;
}

/** Reads and unlinks blobs as a repository sees them: a blob not linked to the repository does not exist there. */
export class BlobService {
  constructor(private readonly deps: { blobs: BlobStore; meta: MetaStore }) {}

  /** Answers from metadata alone (no file access): HEAD is one indexed query. */
  async stat(repo: string, digest: Digest): Promise<BlobView> {
    assertRepositoryName(repo);
    const blob = await this.deps.meta.blobs.getLinked(repo, digest);
    if (!blob) throw new RegistryError('BLOB_UNKNOWN', undefined, { detail: { digest } });
    return blob;
  }

  /** Opens a blob; `rangeOf` picks the byte range once the size is known (it may throw 416). */
  async open(
    repo: string,
    digest: Digest,
    rangeOf: (size: number) => ByteRange | undefined = () => undefined,
    signal?: AbortSignal,
  ): Promise<{ blob: BlobView; range: ByteRange | undefined; body: Readable }> {
    const blob = await this.stat(repo, digest);
    const range = rangeOf(blob.size);
    try {
      return { blob, range, body: await this.deps.blobs.open(digest, range, signal) };
    } catch (err) {
      // A row without a file breaks the storage invariant: report it as unknown, never as a crash.
      if (err instanceof BlobNotFoundError)
        throw new RegistryError('BLOB_UNKNOWN', 'blob content is missing', { cause: err });
      throw err;
    }
  }

  /** Removes the repository's link; the content stays until garbage collection finds it unreferenced. */
  async delete(repo: string, digest: Digest): Promise<void> {
    assertRepositoryName(repo);
    const r = await this.deps.meta.repos.get(repo);
    if (!r || !(await this.deps.meta.blobs.unlink(r.id, digest))) {
      throw new RegistryError('BLOB_UNKNOWN', undefined, { detail: { digest } });
    }
  }
}
