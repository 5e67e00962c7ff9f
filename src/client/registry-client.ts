import { type Readable, Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { type Digest, digestAlgorithm, digestOf, tryParseDigest } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import { type Credentials, repoScope } from './auth.js';
import { RegistryClientError } from './errors.js';
import { type Descriptor, MANIFEST_ACCEPT, readManifest } from './manifest.js';
import { fetchPages } from './pages.js';
import { header, Transport } from './transport.js';
import { type BlobSource, type UploadOptions, type UploadResult, uploadBlob } from './upload.js';
import { verifyingStream } from './verify.js';

export interface RegistryClientOptions {
  /** Registry host with optional port: `localhost:5000`, `ghcr.io`, `docker.io`. */
  registry: string;
  /** Speak http instead of https. Default: true for localhost, 127.0.0.1 and ::1. */
  plainHttp?: boolean | undefined;
  credentials?: Credentials | undefined;
  /** An undici Agent or Pool; the global dispatcher when absent. */
  dispatcher?: Dispatcher | undefined;
  /** PATCH chunk size for large blobs. Default 8 MiB. */
  chunkSize?: number | undefined;
  /** Blobs up to this size are uploaded in one PUT. Default: the chunk size. */
  monolithicMax?: number | undefined;
  userAgent?: string | undefined;
  /** A static Bearer token to send instead of answering challenges with `credentials`. */
  bearerToken?: string | undefined;
  /**
   * The registry is on an internal network, so it may redirect there (the SSRF guard). Default:
   * whether `registry` is an internal address or localhost.
   */
  internalEndpoint?: boolean | undefined;
}

export interface ManifestResult {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export interface ManifestHead {
  digest: Digest | undefined;
  mediaType: string | undefined;
  size: number | undefined;
}

const MAX_MANIFEST = 4 * 1024 * 1024;
const DEFAULT_CHUNK = 8 * 1024 * 1024;

/** True for hosts a client talks to over plain http unless told otherwise. */
export function isLocalRegistry(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : registry.split(':')[0];
  return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(host ?? '');
}

/** The host the API of a registry answers on (docker.io's is registry-1.docker.io). */
export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** A client for one registry speaking the OCI Distribution Spec v1.1. */
export class RegistryClient {
  readonly registry: string;
  private readonly t: Transport;
  private readonly chunkSize: number;
  private readonly monolithicMax: number;

  constructor(opts: RegistryClientOptions) {
    this.registry = opts.registry;
    this.t = new Transport({
      host: apiHost(opts.registry),
      plainHttp: opts.plainHttp ?? isLocalRegistry(opts.registry),
      credentials: opts.credentials,
      dispatcher: opts.dispatcher,
      userAgent: opts.userAgent,
      bearerToken: opts.bearerToken,
      internalEndpoint: opts.internalEndpoint,
    });
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    this.monolithicMax = opts.monolithicMax ?? this.chunkSize;
  }

  /** Checks the registry answers `/v2/` (authenticating if challenged). */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.t.send({
      method: 'GET',
      url: '/v2/',
      scopes: [],
      ok: [200],
      what: `ping ${this.registry}`,
      signal,
    });
    await res.body.dump();
  }

  /** The blob's size when it exists in the repository, else undefined. */
  async statBlob(repo: string, digest: Digest, signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.t.send({
      method: 'HEAD',
      url: `/v2/${repo}/blobs/${digest}`,
      scopes: [repoScope(repo, 'pull')],
      ok: [200, 404],
      what: `check blob ${digest} in ${repo}`,
      followRedirects: true,
      signal,
    });
    await res.body.dump();
    if (res.status === 404) return undefined;
    const len = Number(header(res.headers, 'content-length'));
    return Number.isFinite(len) ? len : 0;
  }

  async blobExists(repo: string, digest: Digest, signal?: AbortSignal): Promise<boolean> {
    return (await this.statBlob(repo, digest, signal)) !== undefined;
  }

  /**
   * Streams a blob; the stream errors at its end if the content does not match the digest. From an
   * `offset` (a resumed upload's source) the rest is streamed unverified: the receiver verifies it.
   */
  async getBlob(
    repo: string,
    digest: Digest,
    opts: { signal?: AbortSignal; verify?: boolean; offset?: number } = {},
  ) {
    const offset = opts.offset ?? 0;
    const res = await this.t.send({
      method: 'GET',
      url: `/v2/${repo}/blobs/${digest}`,
      ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
      scopes: [repoScope(repo, 'pull')],
      ok: offset > 0 ? [200, 206] : [200],
      what: `get blob ${digest} from ${repo}`,
      followRedirects: true,
      signal: opts.signal,
    });
    const len = Number(header(res.headers, 'content-length'));
    const size = Number.isFinite(len) ? len : undefined;
    if (offset > 0) {
      // A registry that ignores Range sends it all: skip what the receiver has.
      const body = res.status === 206 ? res.body : res.body.pipe(skipBytes(offset));
      if (body !== res.body) res.body.on('error', (err) => body.destroy(err));
      return { stream: body as Readable, size };
    }
    const stream: Readable = opts.verify === false ? res.body : res.body.pipe(verifyingStream(digest, size));
    if (stream !== res.body) res.body.on('error', (err) => stream.destroy(err));
    return { stream, size };
  }

  async getBlobBytes(repo: string, digest: Digest, signal?: AbortSignal): Promise<Buffer> {
    const { stream } = await this.getBlob(repo, digest, signal ? { signal } : {});
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  /** Pushes a blob (mounting it from `opts.mountFrom` when the registry agrees). */
  async uploadBlob(
    repo: string,
    desc: { digest: Digest; size: number },
    source: BlobSource,
    opts: UploadOptions = {},
  ): Promise<UploadResult> {
    return uploadBlob(this.t, repo, desc, source, {
      ...opts,
      chunkSize: this.chunkSize,
      monolithicMax: this.monolithicMax,
    });
  }

  /** Fetches a manifest by tag or digest and checks its bytes against the digest. */
  async getManifest(repo: string, ref: string, signal?: AbortSignal): Promise<ManifestResult> {
    const what = `get manifest ${repo}:${ref}`;
    const res = await this.t.send({
      method: 'GET',
      url: `/v2/${repo}/manifests/${ref}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [repoScope(repo, 'pull')],
      ok: [200],
      what,
      signal,
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (bytes.length > MAX_MANIFEST)
      throw new RegistryClientError(`${what}: manifest larger than 4 MiB`, { status: 200 });
    const digest = checkManifestDigest(
      what,
      bytes,
      tryParseDigest(ref) ?? tryParseDigest(header(res.headers, 'docker-content-digest') ?? ''),
    );
    const mediaType = readManifest(bytes, header(res.headers, 'content-type')).mediaType;
    return { digest, mediaType, bytes };
  }

  /** HEADs a manifest; undefined when it does not exist. */
  async headManifest(repo: string, ref: string, signal?: AbortSignal): Promise<ManifestHead | undefined> {
    const res = await this.t.send({
      method: 'HEAD',
      url: `/v2/${repo}/manifests/${ref}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [repoScope(repo, 'pull')],
      ok: [200, 404],
      what: `check manifest ${repo}:${ref}`,
      signal,
    });
    await res.body.dump();
    if (res.status === 404) return undefined;
    const size = Number(header(res.headers, 'content-length'));
    return {
      digest: tryParseDigest(header(res.headers, 'docker-content-digest') ?? '') ?? tryParseDigest(ref),
      mediaType: header(res.headers, 'content-type')?.split(';')[0],
      size: Number.isFinite(size) ? size : undefined,
    };
  }

  /** Pushes manifest bytes as they are, under a tag or their digest; returns the digest. */
  async putManifest(repo: string, ref: string, bytes: Uint8Array, mediaType?: string): Promise<Digest> {
    const type = readManifest(bytes, mediaType).mediaType;
    const res = await this.t.send({
      method: 'PUT',
      url: `/v2/${repo}/manifests/${ref}`,
      headers: { 'content-type': type },
      body: bytes,
      scopes: [repoScope(repo, 'pull,push')],
      ok: [201, 200],
      what: `put manifest ${repo}:${ref}`,
    });
    await res.body.dump();
    return tryParseDigest(header(res.headers, 'docker-content-digest') ?? '') ?? digestOf(bytes);
  }

  /** Deletes a manifest by digest (or by tag, where the registry allows tag deletion). */
  async deleteManifest(repo: string, ref: string): Promise<void> {
    const res = await this.t.send({
      method: 'DELETE',
      url: `/v2/${repo}/manifests/${ref}`,
      scopes: [repoScope(repo, 'delete')],
      ok: [202, 200, 204],
      what: `delete manifest ${repo}@${ref}`,
    });
    await res.body.dump();
  }

  /** All tags of a repository, following `Link` pagination. */
  async listTags(repo: string, opts: { pageSize?: number; signal?: AbortSignal } = {}): Promise<string[]> {
    const query = opts.pageSize ? `?n=${opts.pageSize}` : '';
    return fetchPages(
      this.t,
      `/v2/${repo}/tags/list${query}`,
      [repoScope(repo, 'pull')],
      `list tags of ${repo}`,
      'tags',
      opts.signal,
    );
  }

  /** All repository names the registry lists, following `Link` pagination. */
  async catalog(opts: { pageSize?: number; signal?: AbortSignal } = {}): Promise<string[]> {
    const query = opts.pageSize ? `?n=${opts.pageSize}` : '';
    return fetchPages(
      this.t,
      `/v2/_catalog${query}`,
      ['registry:catalog:*'],
      'list repositories',
      'repositories',
      opts.signal,
    );
  }

  /** Manifests whose `subject` is `digest` (referrers API, else the `sha256-<hex>` tag fallback). */
  async referrers(repo: string, digest: Digest, opts: { artifactType?: string } = {}): Promise<Descriptor[]> {
    const query = opts.artifactType ? `?artifactType=${encodeURIComponent(opts.artifactType)}` : '';
    const res = await this.t.send({
      method: 'GET',
      url: `/v2/${repo}/referrers/${digest}${query}`,
      headers: { accept: MediaType.OciIndex },
      scopes: [repoScope(repo, 'pull')],
      ok: [200, 404],
      what: `list referrers of ${digest} in ${repo}`,
    });
    let found: Descriptor[];
    if (res.status === 200) {
      found = readManifest(Buffer.from(await res.body.arrayBuffer()), MediaType.OciIndex).manifests;
    } else {
      await res.body.dump();
      found = await this.referrersByTag(repo, digest);
    }
    return opts.artifactType ? found.filter((d) => d.artifactType === opts.artifactType) : found;
  }

  /**
   * Whether the registry serves the referrers API, by ggcr's test: a 200 with the index
   * Content-Type. When it does not, writers of referrers maintain the fallback tag themselves.
   */
  async supportsReferrers(repo: string, digest: Digest): Promise<boolean> {
    const res = await this.t.send({
      method: 'GET',
      url: `/v2/${repo}/referrers/${digest}`,
      headers: { accept: MediaType.OciIndex },
      scopes: [repoScope(repo, 'pull')],
      ok: [200, 404],
      what: `list referrers of ${digest} in ${repo}`,
    });
    await res.body.dump();
    return res.status === 200 && header(res.headers, 'content-type') === MediaType.OciIndex;
  }

  private async referrersByTag(repo: string, digest: Digest): Promise<Descriptor[]> {
    const tag = digest.replace(':', '-');
    if (!(await this.headManifest(repo, tag))) return [];
    return readManifest((await this.getManifest(repo, tag)).bytes).manifests;
  }
}

/** Drops the first `n` bytes of a stream. */
function skipBytes(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return done();
      }
      const rest = chunk.subarray(left);
      left = 0;
      done(null, rest);
    },
  });
}

function checkManifestDigest(what: string, bytes: Buffer, expected: Digest | undefined): Digest {
  if (!expected) return digestOf(bytes);
  const actual = digestOf(bytes, digestAlgorithm(expected));
  if (actual !== expected) {
    throw new RegistryClientError(`${what}: content digest ${actual} does not match ${expected}`, {
      status: 200,
      code: 'DIGEST_INVALID',
    });
  }
  return expected;
}
