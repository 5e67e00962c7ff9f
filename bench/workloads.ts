/**
 * The measured operations, spoken over plain OCI distribution HTTP through an undici keep-alive Pool.
 * Blob contents are a shared random body plus a unique 16-byte tail, so digests are precomputed
 * cheaply (a copy of the body's hash state + the tail) before any timing starts.
 */
import { createHash, type Hash, randomBytes } from 'node:crypto';
import { Pool } from 'undici';

export const MB = 1e6;
const TAIL = 16;
const TIMEOUTS = { headersTimeout: 60_000, bodyTimeout: 60_000 };

export interface Blob {
  digest: string;
  size: number;
  /** The body, as one or more buffers (never copied until sent). */
  parts: Buffer[];
}

/** Blobs of one size: a shared random prefix hashed once, and a per-blob random tail. */
export class BlobFactory {
  private readonly prefix: Buffer;
  private readonly prefixHash: Hash;

  constructor(readonly size: number) {
    if (size <= TAIL) throw new Error(`blob size must exceed ${TAIL} bytes`);
    this.prefix = randomBytes(size - TAIL);
    this.prefixHash = createHash('sha256').update(this.prefix);
  }

  make(): Blob {
    const tail = randomBytes(TAIL);
    const digest = `sha256:${this.prefixHash.copy().update(tail).digest('hex')}`;
    return { digest, size: this.size, parts: [this.prefix, tail] };
  }

  many(count: number): Blob[] {
    return Array.from({ length: count }, () => this.make());
  }
}

/** The bytes [start, end) of a multi-part body, as subarrays of the parts (no copy). */
function sliceParts(parts: readonly Buffer[], start: number, end: number): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  for (const part of parts) {
    const from = Math.max(start - pos, 0);
    const to = Math.min(end - pos, part.length);
    if (from < to) out.push(part.subarray(from, to));
    pos += part.length;
  }
  return out;
}

/** Splits a blob body into chunks of `chunkSize` bytes (the last one may be shorter). */
export function chunksOf(blob: Blob, chunkSize: number): Buffer[][] {
  const out: Buffer[][] = [];
  for (let start = 0; start < blob.size; start += chunkSize) {
    out.push(sliceParts(blob.parts, start, Math.min(start + chunkSize, blob.size)));
  }
  return out;
}

const byteLength = (parts: readonly Buffer[]): number => parts.reduce((n, p) => n + p.length, 0);

export function openPool(url: string, connections: number): Pool {
  return new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000, ...TIMEOUTS });
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';
interface Call {
  method: Method;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | Buffer[];
}

/** One request; throws unless the status is `expect`. Returns the response headers. */
async function call(pool: Pool, req: Call, expect: number): Promise<Record<string, unknown>> {
  const parts = req.body === undefined ? [] : Array.isArray(req.body) ? req.body : [req.body];
  // A single part goes out as is; several are joined (at most one copy of a blob, outside the server).
  const body = parts.length === 0 ? null : parts.length === 1 ? (parts[0] ?? null) : Buffer.concat(parts);
  const res = await pool.request({ method: req.method, path: req.path, headers: req.headers ?? {}, body });
  if (res.statusCode !== expect) {
    const text = (await res.body.text()).slice(0, 500);
    throw new Error(`${req.method} ${req.path}: ${res.statusCode} (want ${expect}): ${text}`);
  }
  await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
  return res.headers;
}

/** Location header → path+query usable on the pool (servers may answer absolute or relative). */
function locationPath(headers: Record<string, unknown>): string {
  const loc = headers.location;
  if (typeof loc !== 'string') throw new Error('upload response without a Location header');
  const u = new URL(loc, 'http://127.0.0.1');
  return `${u.pathname}${u.search}`;
}

function withDigest(path: string, digest: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

const OCTET = 'application/octet-stream';

async function startUpload(pool: Pool, repo: string): Promise<string> {
  return locationPath(await call(pool, { method: 'POST', path: `/v2/${repo}/blobs/uploads/` }, 202));
}

/** POST, then PUT ?digest= with the whole body (what docker-registry 2.8 calls monolithic). */
export async function pushPostPut(pool: Pool, repo: string, blob: Blob): Promise<void> {
  const path = await startUpload(pool, repo);
  const headers = { 'content-type': OCTET, 'content-length': String(blob.size) };
  await call(pool, { method: 'PUT', path: withDigest(path, blob.digest), headers, body: blob.parts }, 201);
}

/** POST, one PATCH per chunk with Content-Range (following each new Location), then PUT ?digest=. */
export async function pushChunked(pool: Pool, repo: string, blob: Blob, chunkSize: number): Promise<void> {
  let path = await startUpload(pool, repo);
  let offset = 0;
  for (const chunk of chunksOf(blob, chunkSize)) {
    const length = byteLength(chunk);
    const headers = {
      'content-type': OCTET,
      'content-length': String(length),
      'content-range': `${offset}-${offset + length - 1}`,
    };
    path = locationPath(await call(pool, { method: 'PATCH', path, headers, body: chunk }, 202));
    offset += length;
  }
  await call(
    pool,
    { method: 'PUT', path: withDigest(path, blob.digest), headers: { 'content-length': '0' } },
    201,
  );
}

/** GET a blob and count its bytes (no hashing: the client should not be the bottleneck). */
export async function pullBlob(pool: Pool, repo: string, digest: string, size: number): Promise<void> {
  const res = await pool.request({ method: 'GET', path: `/v2/${repo}/blobs/${digest}` });
  if (res.statusCode !== 200) throw new Error(`GET blob ${digest}: ${res.statusCode}`);
  let got = 0;
  for await (const chunk of res.body) got += (chunk as Buffer).length;
  if (got !== size) throw new Error(`GET blob ${digest}: ${got} bytes, want ${size}`);
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface ImageParts {
  config: Blob;
  layer: Blob;
}

export function manifestBody(parts: ImageParts, seq: string): Buffer {
  const desc = (mediaType: string, b: Blob) => ({ mediaType, digest: b.digest, size: b.size });
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: desc('application/vnd.oci.image.config.v1+json', parts.config),
    layers: [desc('application/vnd.oci.image.layer.v1.tar+gzip', parts.layer)],
    annotations: { 'org.wharf.bench.seq': seq },
  };
  return Buffer.from(JSON.stringify(manifest));
}

export async function putManifest(pool: Pool, repo: string, tag: string, body: Buffer): Promise<void> {
  const headers = { 'content-type': OCI_MANIFEST, 'content-length': String(body.length) };
  await call(pool, { method: 'PUT', path: `/v2/${repo}/manifests/${tag}`, headers, body }, 201);
}

/** A config blob whose body is a JSON document (some servers may look at it). */
export function configBlob(): Blob {
  const body = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } }),
  );
  return {
    digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
    size: body.length,
    parts: [body],
  };
}

/** Runs `fn(0..count-1)` with at most `concurrency` in flight; returns elapsed seconds. */
export async function timed(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await fn(i);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return (performance.now() - start) / 1000;
}
