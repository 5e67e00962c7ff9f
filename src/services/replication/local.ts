import { Readable } from 'node:stream';
import type { RepositoryEndpoint } from '../../client/copy-artifact.js';
import type { ImageEndpoint } from '../../client/endpoints.js';
import type { Descriptor } from '../../client/manifest.js';
import { rechunk, type UploadResult, type UploadSession } from '../../client/upload.js';
import type { Digest } from '../../oci/digest.js';
import { isRegistryError } from '../../oci/errors.js';
import type { Registry } from '../registry/index.js';

/** The registry's own errors for "not there". */
const ABSENT = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UNKNOWN', 'BLOB_UPLOAD_UNKNOWN']);

async function orAbsent<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isRegistryError(err) && ABSENT.has(err.code)) return undefined;
    throw err;
  }
}

export interface LocalOptions {
  registry: Registry;
  /** Blobs larger than this are written in chunks of this size, each durable before the next. */
  chunkSize: number;
  /** Resumable sessions (their value is the local upload id). */
  sessions?: (repository: string, digest: Digest) => UploadSession;
}

type Ref = { tag: string } | { digest: Digest };

const refOf = (ref: Ref) => ('tag' in ref ? ref.tag : ref.digest);

/** One image of this registry, read and written through the registry services (so events follow). */
export class LocalImage implements ImageEndpoint {
  readonly name: string;

  constructor(
    private readonly o: LocalOptions,
    readonly repository: string,
    private readonly ref: Ref,
  ) {
    this.name = `${repository}${'tag' in ref ? `:${ref.tag}` : `@${ref.digest}`}`;
  }

  async getRoot() {
    const m = await this.o.registry.manifests.get(this.repository, refOf(this.ref));
    return { descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.size }, bytes: m.body };
  }

  async getManifest(desc: Descriptor): Promise<Buffer> {
    return (await this.o.registry.manifests.get(this.repository, desc.digest)).body;
  }

  async openBlob(desc: Descriptor, offset = 0): Promise<Readable> {
    const range = offset > 0 ? (size: number) => ({ start: offset, end: size - 1 }) : undefined;
    const { body } = await this.o.registry.blobs.open(this.repository, desc.digest, range);
    return Buffer.isBuffer(body) ? Readable.from([body]) : body;
  }

  async hasBlob(desc: Descriptor): Promise<boolean> {
    return (await orAbsent(this.o.registry.blobs.stat(this.repository, desc.digest))) !== undefined;
  }

  async putBlob(
    desc: Descriptor,
    open: (offset?: number) => Promise<Readable>,
    from: ImageEndpoint,
  ): Promise<UploadResult> {
    const uploads = this.o.registry.uploads;
    if (from instanceof LocalImage && (await uploads.mount(this.repository, from.repository, desc.digest)))
      return 'mounted';
    if (desc.size <= this.o.chunkSize) {
      await uploads.putMonolithic(this.repository, desc.digest, await open(0));
      return 'uploaded';
    }
    await this.putChunked(desc, open);
    return 'uploaded';
  }

  /** Chunk by chunk, each durable: an interrupted copy continues at the session's offset on retry. */
  private async putChunked(desc: Descriptor, open: (offset?: number) => Promise<Readable>): Promise<void> {
    const uploads = this.o.registry.uploads;
    const session = this.o.sessions?.(this.repository, desc.digest);
    const saved = await session?.load();
    let state = saved ? await orAbsent(uploads.status(this.repository, saved)) : undefined;
    if (state && state.offset > desc.size) state = undefined;
    if (!state) {
      state = await uploads.start(this.repository);
      await session?.save(state.id);
    }
    const { id } = state;
    let offset = state.offset;
    try {
      for await (const chunk of rechunk(await open(offset), this.o.chunkSize)) {
        await uploads.append(this.repository, id, Readable.from([chunk]), {
          start: offset,
          length: chunk.length,
        });
        offset += chunk.length;
      }
      await uploads.finish(this.repository, id, desc.digest, undefined);
    } catch (err) {
      // The registry refused the session (digest, size): it cannot be resumed. Anything else can.
      if (isRegistryError(err) && err.status < 500) {
        await uploads.cancel(this.repository, id).catch(() => undefined);
        await session?.clear();
      }
      throw err;
    }
    await session?.clear();
  }

  async hasManifest(desc: Descriptor): Promise<boolean> {
    return (await orAbsent(this.o.registry.manifests.get(this.repository, desc.digest))) !== undefined;
  }

  async rootDigest(): Promise<Digest | undefined> {
    return (await orAbsent(this.o.registry.manifests.get(this.repository, refOf(this.ref))))?.digest;
  }

  async putManifest(desc: Descriptor, bytes: Buffer, root: boolean): Promise<void> {
    const reference = root && 'tag' in this.ref ? this.ref.tag : desc.digest;
    await this.o.registry.manifests.put(this.repository, reference, desc.mediaType, bytes);
  }
}

/** A repository of this registry as the artifact copier sees it (the referrers API is built in). */
export class LocalRepository implements RepositoryEndpoint {
  readonly name: string;

  constructor(
    private readonly o: LocalOptions,
    readonly repository: string,
  ) {
    this.name = repository;
  }

  at(ref: Ref): ImageEndpoint {
    return new LocalImage(this.o, this.repository, ref);
  }

  async tagDigest(tag: string): Promise<Digest | undefined> {
    return (await orAbsent(this.o.registry.manifests.get(this.repository, tag)))?.digest;
  }

  async referrers(digest: Digest): Promise<Descriptor[]> {
    const index = await orAbsent(this.o.registry.manifests.referrers(this.repository, digest));
    return (index?.manifests ?? []) as unknown as Descriptor[];
  }

  async indexReferrer(): Promise<void> {
    // Wharf answers the referrers API from what is stored: nothing to maintain.
  }
}
