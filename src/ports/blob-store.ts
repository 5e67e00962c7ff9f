import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** An inclusive byte range, as HTTP Range headers state them. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Content-addressed blob storage. Knows nothing of repositories: linking a blob into a
 * repository is metadata. Invariant: a committed blob is complete, verified and durable.
 */
export interface BlobStore {
  /** Size of a committed blob, or undefined when it is not stored. */
  stat(digest: Digest): Promise<BlobInfo | undefined>;
  /** Streams a committed blob (or the inclusive range of it). Throws BlobNotFoundError when absent. */
  open(digest: Digest, range?: ByteRange, signal?: AbortSignal): Promise<Readable>;
  /** Starts a new upload with the given id (a UUID chosen by the caller). */
  createUpload(id: string): Promise<BlobUpload>;
  /**
   * Re-opens an upload, possibly started by another process or before a restart.
   * Returns undefined when no such upload exists.
   */
  resumeUpload(id: string): Promise<BlobUpload | undefined>;
  /** Removes a committed blob; absent blobs are not an error. */
  delete(digest: Digest): Promise<void>;
  /** Total bytes of committed blobs (for metrics; may be approximate). */
  usedBytes?(): Promise<number>;
  /**
   * Every committed blob, with its last modification time (garbage collection finds files without
   * rows with it). Streams: memory stays bounded whatever the store holds. Order is unspecified.
   */
  list?(signal?: AbortSignal): AsyncIterable<StoredBlob>;
}

export interface StoredBlob extends BlobInfo {
  modifiedAt: Date;
}

/**
 * One in-progress upload. Appends are sequential; the store hashes while bytes stream in
 * and recomputes the hash from the stored part when the in-memory state is gone (restart,
 * another replica).
 */
export interface BlobUpload {
  readonly id: string;
  /** Bytes durably received so far. */
  size(): number;
  /**
   * Appends the stream at the current end. If the stream fails or `maxBytes` would be exceeded,
   * the upload is truncated back to its previous size and the error rethrown (upload stays usable).
   * Returns the new size.
   */
  append(data: Readable, options?: { signal?: AbortSignal; maxBytes?: number }): Promise<number>;
  /**
   * Verifies the content against `expected` (sha256 or sha512), fsyncs it, and moves it into place
   * atomically. Throws DigestMismatchError (upload removed) when it does not match.
   * Committing content that is already stored is fine (the existing copy wins).
   */
  commit(expected: Digest): Promise<BlobInfo>;
  /** Discards the upload and its bytes. */
  cancel(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(readonly digest: string) {
    super(`blob ${digest} not found`);
    this.name = 'BlobNotFoundError';
  }
}

export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

/** The bytes appended would go past the size limit the caller set. */
export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload exceeds ${limit} bytes`);
    this.name = 'UploadTooLargeError';
  }
}
