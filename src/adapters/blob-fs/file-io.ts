import type { Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { createDigester, type DigestAlgorithm } from '../../oci/digest.js';
import { UploadTooLargeError } from '../../ports/blob-store.js';

const READ_CHUNK = 1 << 20;

export function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

/** Hashes the first `size` bytes of an open file, reading in bounded chunks. */
export async function hashFile(fh: FileHandle, alg: DigestAlgorithm, size: number): Promise<Hash> {
  const hash = createDigester(alg);
  const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(size, 1)));
  let position = 0;
  while (position < size) {
    const length = Math.min(buffer.length, size - position);
    const { bytesRead } = await fh.read(buffer, 0, length, position);
    if (bytesRead === 0) throw new Error(`file shrank while hashing (at ${position} of ${size} bytes)`);
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash;
}

/** Makes a directory's entries (a created or renamed file) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some filesystems do not support fsync on directories; there is nothing more to do there.
    if (!isErrno(err, 'EINVAL', 'ENOTSUP', 'EPERM')) throw err;
  } finally {
    await fh.close();
  }
}

async function writeFully(fh: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Writes a stream at `start` in an open file, hashing exactly the bytes written and refusing to
 * go past `maxBytes`. `settled()` resolves once no write is in flight, so the caller may safely
 * truncate after a failure.
 */
export class HashingFileSink extends Writable {
  written = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly fh: FileHandle,
    private readonly start: number,
    private readonly hash: Hash,
    private readonly maxBytes: number | undefined,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeChunk(chunk, callback);
  }

  /** Buffered chunks (the source outran the disk) go out as one write. */
  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.writeChunk(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  private writeChunk(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (this.maxBytes !== undefined && this.written + chunk.length > this.maxBytes) {
      callback(new UploadTooLargeError(this.maxBytes));
      return;
    }
    this.pending = writeFully(this.fh, chunk, this.start + this.written).then(() => {
      this.hash.update(chunk);
      this.written += chunk.length;
    });
    this.pending.then(() => callback(), callback);
  }

  settled(): Promise<void> {
    return this.pending.catch(() => undefined);
  }
}
