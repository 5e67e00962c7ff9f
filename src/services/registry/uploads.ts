import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import { assertRepositoryName } from '../../oci/names.js';
import {
  type BlobStore,
  type BlobUpload,
  DigestMismatchError,
  UploadTooLargeError,
} from '../../ports/blob-store.js';
import type { MetaStore, Upload } from '../../ports/meta-store.js';
import type { Admission } from './admission.js';

export interface UploadState {
  id: string;
  /** Bytes received so far. */
  offset: number;
}

export interface ChunkOptions {
  /** First byte of the chunk as the client stated it (Content-Range); must equal the current offset. */
  start?: number;
  /** Exact chunk length the client announced (Content-Range or Content-Length). */
  length?: number;
  signal?: AbortSignal;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Upload sessions: rows in the metadata store plus bytes in the blob store, so a session survives a
 * restart and may continue on any replica. A blob becomes visible only after commit verified it.
 */
export class UploadService {
  constructor(private readonly deps: { blobs: BlobStore; meta: MetaStore; admission?: Admission }) {}

  async start(repo: string): Promise<UploadState> {
    assertRepositoryName(repo);
    const r = await this.deps.meta.repos.ensure(repo);
    const id = randomUUID();
    // Row first: a crash before the file exists leaves a row the purge removes, never an orphan file.
    await this.deps.meta.uploads.create(id, r.id);
    await this.deps.blobs.createUpload(id);
    return { id, offset: 0 };
  }

  /** Links a blob readable in `from` into `repo`; undefined when it is not there (caller falls back to an upload). */
  async mount(
    repo: string,
    from: string,
    digest: Digest,
  ): Promise<{ digest: Digest; size: number } | undefined> {
    assertRepositoryName(repo);
    assertRepositoryName(from);
    return this.link(repo, await this.deps.meta.blobs.getLinked(from, digest));
  }

  /**
   * Links a blob the registry stores (whichever repository holds it) into `repo`; undefined when it is
   * not stored. Only for callers that established the right to it otherwise: a proxy cache whose
   * upstream has just said the blob is in the repository it mirrors.
   */
  async linkStored(repo: string, digest: Digest): Promise<{ digest: Digest; size: number } | undefined> {
    assertRepositoryName(repo);
    return this.link(repo, await this.deps.meta.blobs.get(digest));
  }

  private async link(repo: string, blob: { digest: Digest; size: number } | undefined) {
    if (!blob) return undefined;
    await this.deps.admission?.beforeLinkBlob?.(repo, blob);
    const r = await this.deps.meta.repos.ensure(repo);
    // False: garbage collection took the blob since it was looked up; the caller uploads it instead.
    if (!(await this.deps.meta.blobs.link(r.id, blob.digest))) return undefined;
    return blob;
  }

  /** A single-request upload (POST with ?digest=): stream, verify, store, link. */
  async putMonolithic(
    repo: string,
    digest: Digest,
    body: Readable,
    opts: ChunkOptions = {},
  ): Promise<{ digest: Digest; size: number }> {
    const { id } = await this.start(repo);
    try {
      return await this.finish(repo, id, digest, body, opts);
    } catch (err) {
      // A failed single-request upload leaves no session behind: the client never learned its id.
      await this.cancel(repo, id).catch(() => undefined);
      throw err;
    }
  }

  async status(repo: string, id: string): Promise<UploadState> {
    const { upload } = await this.open(repo, id);
    return { id, offset: upload.size() };
  }

  async append(repo: string, id: string, body: Readable, opts: ChunkOptions = {}): Promise<UploadState> {
    const { upload } = await this.open(repo, id);
    await this.write(upload, body, opts);
    await this.deps.meta.uploads.setOffset(id, upload.size());
    return { id, offset: upload.size() };
  }

  async finish(
    repo: string,
    id: string,
    digest: Digest,
    body: Readable | undefined,
    opts: ChunkOptions = {},
  ): Promise<{ digest: Digest; size: number }> {
    const { upload, row } = await this.open(repo, id);
    if (body) await this.write(upload, body, opts);
    try {
      // Asked before the content is placed: a refused push leaves nothing behind.
      await this.deps.admission?.beforeLinkBlob?.(repo, { digest, size: upload.size() });
    } catch (err) {
      await upload.cancel();
      await this.deps.meta.uploads.delete(id);
      throw err;
    }
    let blob: { digest: Digest; size: number };
    try {
      // The file is verified and durable in place before its row exists (a blob row always implies
      // a verified file), and garbage collection can take neither before the link exists.
      blob = await this.deps.meta.blobs.store(row.repoId, digest, () => upload.commit(digest));
    } catch (err) {
      if (err instanceof DigestMismatchError) {
        await this.deps.meta.uploads.delete(id);
        throw new RegistryError('DIGEST_INVALID', undefined, {
          detail: { expected: err.expected, actual: err.actual },
          cause: err,
        });
      }
      throw err;
    }
    await this.deps.meta.uploads.delete(id);
    return blob;
  }

  async cancel(repo: string, id: string): Promise<void> {
    const { upload } = await this.open(repo, id);
    await upload.cancel();
    await this.deps.meta.uploads.delete(id);
  }

  /** Removes sessions idle since `before`; returns how many went. */
  async purgeExpired(before: Date): Promise<number> {
    const ids = await this.deps.meta.uploads.expired(before);
    for (const id of ids) {
      const upload = await this.deps.blobs.resumeUpload(id);
      await upload?.cancel();
      await this.deps.meta.uploads.delete(id);
    }
    return ids.length;
  }

  private async open(repo: string, id: string): Promise<{ upload: BlobUpload; row: Upload }> {
    assertRepositoryName(repo);
    const unknown = () =>
      new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { detail: { uuid: id.slice(0, 100) } });
    if (!UUID_RE.test(id)) throw unknown();
    const row = await this.deps.meta.uploads.get(id);
    // An upload belongs to the repository it was started in; elsewhere it does not exist.
    if (!row || row.repoName !== repo) throw unknown();
    const upload = await this.deps.blobs.resumeUpload(id);
    if (!upload) {
      await this.deps.meta.uploads.delete(id);
      throw unknown();
    }
    return { upload, row };
  }

  private async write(upload: BlobUpload, body: Readable, opts: ChunkOptions): Promise<void> {
    const offset = upload.size();
    if (opts.start !== undefined && opts.start !== offset) {
      body.resume();
      throw new RegistryError('RANGE_INVALID', 'chunk does not start at the current offset', {
        detail: { offset, start: opts.start },
        headers: rangeHeaders(upload.id, offset),
      });
    }
    const appendOpts = {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.length !== undefined ? { maxBytes: opts.length } : {}),
    };
    try {
      await upload.append(body, appendOpts);
    } catch (err) {
      if (err instanceof UploadTooLargeError) {
        throw new RegistryError('SIZE_INVALID', 'chunk is longer than announced', {
          detail: { length: opts.length },
          cause: err,
        });
      }
      throw err;
    }
    if (opts.length !== undefined && upload.size() - offset !== opts.length) {
      throw new RegistryError('SIZE_INVALID', 'chunk is shorter than announced', {
        detail: { expected: opts.length, received: upload.size() - offset },
      });
    }
  }
}

/** Headers that tell a client where an upload stands (Location is added by the HTTP layer). */
export function rangeHeaders(id: string, offset: number): Record<string, string> {
  return { Range: `0-${Math.max(offset - 1, 0)}`, 'Docker-Upload-UUID': id };
}
