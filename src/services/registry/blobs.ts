import type { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import { assertRepositoryName } from '../../oci/names.js';
import { BlobNotFoundError, type BlobStore, type ByteRange } from '../../ports/blob-store.js';
import type { MetaStore } from '../../ports/meta-store.js';
import { SmallBlobCache } from './small-blob-cache.js';

export interface BlobView {
  digest: Digest;
  size: number;
}

/** Reads and unlinks blobs as a repository sees them: a blob not linked to the repository does not exist there. */
export class BlobService {
  private readonly small: SmallBlobCache;

  constructor(private readonly deps: { blobs: BlobStore; meta: MetaStore; smallBlobCacheBytes?: number }) {
    // Configs, signatures and SBOMs are small and hot: serve them from memory, not a file open each.
    this.small = new SmallBlobCache(256 * 1024, deps.smallBlobCacheBytes ?? 64 * 1024 * 1024);
  }

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
  ): Promise<{ blob: BlobView; range: ByteRange | undefined; body: Readable | Buffer }> {
    const blob = await this.stat(repo, digest);
    const range = rangeOf(blob.size);
    try {
      if (blob.size <= this.small.maxEntryBytes) {
        const whole = this.small.get(digest) ?? (await this.readSmall(digest, signal));
        return { blob, range, body: range ? whole.subarray(range.start, range.end + 1) : whole };
      }
      return { blob, range, body: await this.deps.blobs.open(digest, range, signal) };
    } catch (err) {
      // A row without a file breaks the storage invariant: report it as unknown, never as a crash.
      if (err instanceof BlobNotFoundError)
        throw new RegistryError('BLOB_UNKNOWN', 'blob content is missing', { cause: err });
      throw err;
    }
  }

  private async readSmall(digest: Digest, signal?: AbortSignal): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.deps.blobs.open(digest, undefined, signal))
      chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    this.small.set(digest, data);
    return data;
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
