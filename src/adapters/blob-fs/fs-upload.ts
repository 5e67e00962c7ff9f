import type { Hash } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, digestAlgorithm } from '../../oci/digest.js';
import { type BlobInfo, type BlobUpload, DigestMismatchError } from '../../ports/blob-store.js';
import { fsyncDir, HashingFileSink, hashFile, isErrno } from './file-io.js';
import type { KeyedMutex } from './keyed-mutex.js';
import type { FsLayout } from './layout.js';

/** sha256 state of the bytes this process streamed into an upload; valid while `offset` equals the file size. */
export interface HashState {
  hash: Hash;
  offset: number;
}

/** State shared by a store and the upload handles it hands out. */
export interface UploadContext {
  layout: FsLayout;
  /** Serializes appends, commits and cancels of one upload id within this process. */
  mutex: KeyedMutex;
  hashes: Map<string, HashState>;
  /** Blob shard directories whose entries this process has made durable. */
  durableDirs: Set<string>;
}

/**
 * An upload backed by `uploads/<id>`. The file is the source of truth for the size; the in-memory
 * hash is an optimisation that is recomputed from the file whenever it is missing or stale.
 */
export class FsBlobUpload implements BlobUpload {
  private currentSize: number;

  constructor(
    readonly id: string,
    size: number,
    private readonly ctx: UploadContext,
  ) {
    this.currentSize = size;
  }

  size(): number {
    return this.currentSize;
  }

  /** `maxBytes` limits the bytes this call may add (not the total size of the upload). */
  append(data: Readable, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<number> {
    return this.ctx.mutex.run(this.id, () => this.appendLocked(data, options.signal, options.maxBytes));
  }

  commit(expected: Digest): Promise<BlobInfo> {
    return this.ctx.mutex.run(this.id, () => this.commitLocked(expected));
  }

  cancel(): Promise<void> {
    return this.ctx.mutex.run(this.id, () => this.discard());
  }

  private async appendLocked(data: Readable, signal?: AbortSignal, maxBytes?: number): Promise<number> {
    const fh = await this.openFile();
    try {
      const start = (await fh.stat()).size;
      const state = await this.hashState(fh, start);
      const before = state.hash.copy();
      const sink = new HashingFileSink(fh, start, state.hash, maxBytes);
      try {
        await pipeline(data, sink, signal ? { signal } : {});
        await fh.datasync();
      } catch (err) {
        await this.rollback(fh, sink, start, before);
        throw err;
      }
      const end = start + sink.written;
      this.ctx.hashes.set(this.id, { hash: state.hash, offset: end });
      this.currentSize = end;
      return end;
    } finally {
      await fh.close();
    }
  }

  /** Cuts the file back to where the failed append started; the upload stays usable. */
  private async rollback(fh: FileHandle, sink: HashingFileSink, start: number, before: Hash): Promise<void> {
    this.ctx.hashes.delete(this.id);
    try {
      await sink.settled();
      await fh.truncate(start);
      await fh.datasync();
      this.ctx.hashes.set(this.id, { hash: before, offset: start });
      this.currentSize = start;
    } catch {
      // The hash state stays dropped: the next operation recomputes it from whatever the file holds.
    }
  }

  private async commitLocked(expected: Digest): Promise<BlobInfo> {
    const target = this.ctx.layout.blobPath(expected);
    const { size, actual } = await this.verifyAndSync(expected);
    if (actual !== expected) {
      await this.discard();
      throw new DigestMismatchError(expected, actual);
    }
    await this.publish(target);
    this.ctx.hashes.delete(this.id);
    this.currentSize = size;
    return { digest: expected, size };
  }

  /** Hashes the stored bytes with the expected digest's algorithm and, when they match, fsyncs them. */
  private async verifyAndSync(expected: Digest): Promise<{ size: number; actual: string }> {
    const alg = digestAlgorithm(expected);
    const fh = await this.openFile();
    try {
      const size = (await fh.stat()).size;
      const hash =
        alg === 'sha256' ? (await this.hashState(fh, size)).hash.copy() : await hashFile(fh, alg, size);
      const actual = `${alg}:${hash.digest('hex')}`;
      if (actual === expected) await fh.sync();
      return { size, actual };
    } finally {
      await fh.close();
    }
  }

  /** Atomically moves the verified file to its final path; an existing copy wins. */
  private async publish(target: string): Promise<void> {
    const dir = dirname(target);
    await this.ensureDurableDir(dir);
    const source = this.ctx.layout.uploadPath(this.id);
    if (await isPresent(target)) await rm(source, { force: true });
    else await rename(source, target);
    // Also when another commit placed it: its rename must be durable before we report success.
    await fsyncDir(dir);
  }

  /** Creates a shard directory and makes its entry (and its parents' entries) durable, once per process. */
  private async ensureDurableDir(dir: string): Promise<void> {
    if (this.ctx.durableDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    let current = dir;
    while (current !== this.ctx.layout.blobsDir && dirname(current) !== current) {
      current = dirname(current);
      await fsyncDir(current);
    }
    this.ctx.durableDirs.add(dir);
  }

  private async hashState(fh: FileHandle, size: number): Promise<HashState> {
    const cached = this.ctx.hashes.get(this.id);
    if (cached && cached.offset === size) return cached;
    const state = { hash: await hashFile(fh, 'sha256', size), offset: size };
    this.ctx.hashes.set(this.id, state);
    return state;
  }

  private async discard(): Promise<void> {
    this.ctx.hashes.delete(this.id);
    await rm(this.ctx.layout.uploadPath(this.id), { force: true });
  }

  private async openFile(): Promise<FileHandle> {
    try {
      return await open(this.ctx.layout.uploadPath(this.id), 'r+');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new Error(`upload ${this.id} does not exist`, { cause: err });
      throw err;
    }
  }
}

async function isPresent(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}
