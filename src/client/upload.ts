import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import { repoScope } from './auth.js';
import { RegistryClientError } from './errors.js';
import { header, type RegistryResponse, type Transport } from './transport.js';

/**
 * Blob content: bytes in memory, or a function opening a stream (called once). With a resumable
 * `session`, the function is given the offset to start reading at (0 unless an upload resumes).
 */
export type BlobSource = Uint8Array | ((offset: number) => Readable | Promise<Readable>);

/**
 * Where an interrupted chunked upload is remembered so a later attempt (another process, even)
 * continues at the registry's offset instead of starting over.
 */
export interface UploadSession {
  /** The upload URL an earlier attempt left, if any. */
  load(): Promise<string | undefined>;
  /** Called with the upload URL after the session starts and after every chunk. */
  save(location: string): Promise<void>;
  /** The upload finished, or cannot be resumed. */
  clear(): Promise<void>;
}

export interface UploadOptions {
  /** A repository on the same registry to try a cross-repository mount from first. */
  mountFrom?: string | undefined;
  /** Called with the number of bytes just sent (or the whole size, when mounted). */
  onProgress?: ((bytes: number) => void) | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Makes a chunked upload resumable: it continues where the registry's upload status says an
   * earlier attempt stopped, and a failed attempt leaves the session open (unless the registry
   * refused it) instead of cancelling it.
   */
  session?: UploadSession | undefined;
}

export interface UploadTuning {
  chunkSize: number;
  /** Blobs up to this size go in one PUT; larger ones in PATCH chunks of `chunkSize`. */
  monolithicMax: number;
}

export type UploadResult = 'uploaded' | 'mounted';

const OCTET = 'application/octet-stream';

/** Pushes one blob: tries a mount when asked, else POST then PUT (small) or PATCH… then PUT (large). */
export async function uploadBlob(
  t: Transport,
  repo: string,
  desc: { digest: Digest; size: number },
  source: BlobSource,
  opts: UploadOptions & UploadTuning,
): Promise<UploadResult> {
  if (opts.session && desc.size > opts.monolithicMax) {
    return resumableUpload(t, repo, desc, source, { ...opts, session: opts.session });
  }
  const started = await startUpload(t, repo, desc.digest, opts);
  if (started === 'mounted') {
    opts.onProgress?.(desc.size);
    return 'mounted';
  }
  let location = started;
  try {
    if (desc.size <= opts.monolithicMax) {
      const bytes = source instanceof Uint8Array ? source : await readAll(await source(0));
      await finishUpload(t, repo, location, desc.digest, bytes, opts.signal);
      opts.onProgress?.(bytes.length);
    } else {
      const chunks = await chunksFrom(source, 0, opts.chunkSize);
      location = await sendChunks(t, repo, location, chunks, 0, opts);
      await finishUpload(t, repo, location, desc.digest, undefined, opts.signal);
    }
  } catch (err) {
    await cancelUpload(t, repo, location);
    throw err;
  }
  return 'uploaded';
}

async function startUpload(
  t: Transport,
  repo: string,
  digest: Digest,
  opts: UploadOptions,
): Promise<URL | 'mounted'> {
  const mount = opts.mountFrom !== undefined && opts.mountFrom !== repo ? opts.mountFrom : undefined;
  const query = mount ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mount)}` : '';
  const res = await t.send({
    method: 'POST',
    url: `/v2/${repo}/blobs/uploads/${query}`,
    headers: { 'content-length': '0' },
    scopes: mount ? [repoScope(repo, 'pull,push'), repoScope(mount, 'pull')] : [repoScope(repo, 'pull,push')],
    ok: mount ? [201, 202] : [202],
    what: mount ? `mount ${digest} from ${mount} into ${repo}` : `start upload to ${repo}`,
    signal: opts.signal,
  });
  await res.body.dump();
  if (res.status === 201) return 'mounted';
  return locationOf(t, res, `start upload to ${repo}`);
}

function locationOf(t: Transport, res: RegistryResponse, what: string): URL {
  const location = header(res.headers, 'location');
  if (!location)
    throw new RegistryClientError(`${what}: response has no Location header`, { status: res.status });
  return t.checkTarget(new URL(location, res.url), what);
}

async function chunksFrom(source: BlobSource, offset: number, size: number): Promise<AsyncIterable<Buffer>> {
  if (source instanceof Uint8Array) return sliceChunks(source.subarray(offset), size);
  return rechunk(await source(offset), size);
}

async function sendChunks(
  t: Transport,
  repo: string,
  start: URL,
  chunks: AsyncIterable<Buffer>,
  startOffset: number,
  opts: UploadOptions,
): Promise<URL> {
  let location = start;
  let offset = startOffset;
  for await (const chunk of chunks) {
    const res = await t.send({
      method: 'PATCH',
      url: location,
      headers: {
        'content-type': OCTET,
        'content-range': `${offset}-${offset + chunk.length - 1}`,
        'content-length': String(chunk.length),
      },
      body: chunk,
      scopes: [repoScope(repo, 'pull,push')],
      ok: [202],
      what: `upload chunk at ${offset} to ${repo}`,
      signal: opts.signal,
    });
    await res.body.dump();
    location = locationOf(t, res, `upload chunk to ${repo}`);
    offset += chunk.length;
    await opts.session?.save(location.href);
    opts.onProgress?.(chunk.length);
  }
  return location;
}

/** Where an upload session stands: GET on its URL answers 204 with `Range: 0-<last byte>`. */
async function uploadStatus(
  t: Transport,
  repo: string,
  location: URL,
  signal: AbortSignal | undefined,
): Promise<{ location: URL; offset: number } | undefined> {
  let res: RegistryResponse;
  try {
    res = await t.send({
      method: 'GET',
      url: t.checkTarget(location, `resume upload to ${repo}`),
      scopes: [repoScope(repo, 'pull,push')],
      ok: [204, 200],
      what: `resume upload to ${repo}`,
      signal,
    });
  } catch {
    return undefined; // expired, cancelled or unknown: start over
  }
  await res.body.dump();
  const m = /^(?:bytes=)?0-(\d+)$/.exec(header(res.headers, 'range') ?? '');
  if (!m) return undefined;
  // "0-0" is both "nothing yet" and "one byte": take the safe reading (a wrong one fails with 416).
  const offset = m[1] === '0' ? 0 : Number(m[1]) + 1;
  const next = header(res.headers, 'location');
  return { location: next ? t.checkTarget(new URL(next, res.url), 'resume') : location, offset };
}

/** The registry refused the session (4xx): resuming it cannot help. Network faults and 5xx keep it. */
function sessionRefused(err: unknown): boolean {
  return err instanceof RegistryClientError && err.status >= 400 && err.status < 500;
}

/** A chunked upload that continues an earlier attempt's session when the registry still has it. */
async function resumableUpload(
  t: Transport,
  repo: string,
  desc: { digest: Digest; size: number },
  source: BlobSource,
  opts: UploadOptions & UploadTuning & { session: UploadSession },
): Promise<UploadResult> {
  const { session } = opts;
  const saved = await session.load();
  let state = saved ? await uploadStatus(t, repo, new URL(saved), opts.signal) : undefined;
  if (state && state.offset > desc.size) state = undefined;
  if (!state) {
    const started = await startUpload(t, repo, desc.digest, opts);
    if (started === 'mounted') {
      await session.clear();
      opts.onProgress?.(desc.size);
      return 'mounted';
    }
    state = { location: started, offset: 0 };
    await session.save(started.href);
  }
  let location = state.location;
  try {
    location = await sendFrom(t, repo, state, source, opts);
    await finishUpload(t, repo, location, desc.digest, undefined, opts.signal);
  } catch (err) {
    if (sessionRefused(err)) {
      await cancelUpload(t, repo, location);
      await session.clear();
    }
    throw err;
  }
  await session.clear();
  return 'uploaded';
}

const RESTARTS = 3;

/**
 * Sends the blob from the session's offset. A 416 means the offset moved under us (the registry was
 * still rolling back the chunk an earlier attempt lost): ask where it stands and go on from there.
 */
async function sendFrom(
  t: Transport,
  repo: string,
  start: { location: URL; offset: number },
  source: BlobSource,
  opts: UploadOptions & UploadTuning,
): Promise<URL> {
  let state = start;
  for (let attempt = 0; ; attempt++) {
    opts.onProgress?.(state.offset);
    try {
      const chunks = await chunksFrom(source, state.offset, opts.chunkSize);
      return await sendChunks(t, repo, state.location, chunks, state.offset, opts);
    } catch (err) {
      if (!(err instanceof RegistryClientError && err.status === 416) || attempt >= RESTARTS) throw err;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      const now = await uploadStatus(t, repo, state.location, opts.signal);
      if (!now) throw err;
      state = now;
    }
  }
}

async function finishUpload(
  t: Transport,
  repo: string,
  location: URL,
  digest: Digest,
  body: Uint8Array | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  const res = await t.send({
    method: 'PUT',
    url,
    headers: { 'content-type': OCTET, 'content-length': String(body?.length ?? 0) },
    ...(body ? { body } : {}),
    scopes: [repoScope(repo, 'pull,push')],
    ok: [201, 204],
    what: `upload ${digest} to ${repo}`,
    signal,
  });
  await res.body.dump();
}

async function cancelUpload(t: Transport, repo: string, location: URL): Promise<void> {
  try {
    const res = await t.send({
      method: 'DELETE',
      url: location,
      scopes: [repoScope(repo, 'pull,push')],
      ok: [204],
      what: 'cancel',
    });
    await res.body.dump();
  } catch {
    // best effort: the registry expires abandoned sessions anyway
  }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream)
    parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

async function* sliceChunks(bytes: Uint8Array, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
}

/** Regroups a stream into buffers of exactly `size` bytes (the last may be shorter). */
export async function* rechunk(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const data of stream) {
    let buf = Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
    while (held + buf.length >= size) {
      const take = size - held;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      held = 0;
      buf = buf.subarray(take);
    }
    if (buf.length > 0) {
      parts.push(buf);
      held += buf.length;
    }
  }
  if (held > 0) yield Buffer.concat(parts);
}
