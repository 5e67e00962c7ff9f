import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import { repoScope } from './auth.js';
import { RegistryClientError } from './errors.js';
import { header, type RegistryResponse, type Transport } from './transport.js';

/** Blob content: bytes in memory, or a function opening a stream (called once). */
export type BlobSource = Uint8Array | (() => Readable | Promise<Readable>);

export interface UploadOptions {
  /** A repository on the same registry to try a cross-repository mount from first. */
  mountFrom?: string | undefined;
  /** Called with the number of bytes just sent (or the whole size, when mounted). */
  onProgress?: ((bytes: number) => void) | undefined;
  signal?: AbortSignal | undefined;
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
  const started = await startUpload(t, repo, desc.digest, opts);
  if (started === 'mounted') {
    opts.onProgress?.(desc.size);
    return 'mounted';
  }
  let location = started;
  try {
    if (desc.size <= opts.monolithicMax) {
      const bytes = source instanceof Uint8Array ? source : await readAll(await source());
      await finishUpload(t, repo, location, desc.digest, bytes, opts.signal);
      opts.onProgress?.(bytes.length);
    } else {
      const stream = source instanceof Uint8Array ? undefined : await source();
      const chunks = stream
        ? rechunk(stream, opts.chunkSize)
        : sliceChunks(source as Uint8Array, opts.chunkSize);
      location = await sendChunks(t, repo, location, chunks, opts);
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
  return locationOf(res, `start upload to ${repo}`);
}

function locationOf(res: RegistryResponse, what: string): URL {
  const location = header(res.headers, 'location');
  if (!location)
    throw new RegistryClientError(`${what}: response has no Location header`, { status: res.status });
  return new URL(location, res.url);
}

async function sendChunks(
  t: Transport,
  repo: string,
  start: URL,
  chunks: AsyncIterable<Buffer>,
  opts: UploadOptions,
): Promise<URL> {
  let location = start;
  let offset = 0;
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
    location = locationOf(res, `upload chunk to ${repo}`);
    offset += chunk.length;
    opts.onProgress?.(chunk.length);
  }
  return location;
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
