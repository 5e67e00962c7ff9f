import { RegistryError } from '../../oci/errors.js';
import type { ByteRange } from '../../ports/blob-store.js';

/**
 * Parses a `Range: bytes=…` request header against a blob's size. Returns undefined for "the whole
 * blob" (no header, or a multi-range we choose to answer in full, as RFC 9110 allows).
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) {
    if (/^bytes=.+,/.test(header)) return undefined;
    throw unsatisfiable(size);
  }
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') throw unsatisfiable(size);
  if (a === '') {
    // Suffix range: the last N bytes.
    const n = Number(b);
    if (n === 0 || size === 0) throw unsatisfiable(size);
    return { start: Math.max(size - n, 0), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): RegistryError {
  return new RegistryError('RANGE_INVALID', undefined, { headers: { 'Content-Range': `bytes */${size}` } });
}

/** Parses a PATCH `Content-Range: start-end` (the spec's form; `bytes ` prefixes and `/total` tolerated). */
export function parseContentRange(header: string | undefined): { start: number; length: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) throw new RegistryError('BLOB_UPLOAD_INVALID', 'malformed Content-Range', { status: 416 });
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start || !Number.isSafeInteger(end)) {
    throw new RegistryError('BLOB_UPLOAD_INVALID', 'malformed Content-Range', { status: 416 });
  }
  return { start, length: end - start + 1 };
}

/** Content-Length as a number, or undefined when absent (chunked transfer). */
export function contentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (!/^\d+$/.test(header)) throw new RegistryError('SIZE_INVALID', 'malformed Content-Length');
  return Number(header);
}
