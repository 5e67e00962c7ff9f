import { Readable } from 'node:stream';
import { type Digest, digestAlgorithm, digestOf } from '../oci/digest.js';
import { formatReference, parseReference, type Reference } from '../oci/reference.js';
import type { Descriptor } from './manifest.js';
import { OciLayout, OciLayoutError } from './oci-layout.js';
import type { RegistryClient } from './registry-client.js';
import type { UploadResult, UploadSession } from './upload.js';

/** Where an image lives: an OCI layout directory or a registry reference. */
export type ImageLocation = { kind: 'oci'; dir: string; tag?: string } | { kind: 'registry'; ref: Reference };

/** Parses skopeo-style locations: `oci:DIR[:TAG]`, `docker://REF`, or a bare REF. */
export function parseImageLocation(input: string): ImageLocation {
  if (input.startsWith('oci:')) {
    const rest = input.slice(4);
    const colon = rest.indexOf(':');
    const dir = colon === -1 ? rest : rest.slice(0, colon);
    const tag = colon === -1 ? undefined : rest.slice(colon + 1);
    if (dir === '') throw new OciLayoutError(`invalid location "${input}": missing directory`);
    if (tag === '') throw new OciLayoutError(`invalid location "${input}": empty tag`);
    return tag === undefined ? { kind: 'oci', dir } : { kind: 'oci', dir, tag };
  }
  const ref = input.startsWith('docker://') ? input.slice('docker://'.length) : input;
  return { kind: 'registry', ref: parseReference(ref) };
}

export function formatImageLocation(loc: ImageLocation): string {
  if (loc.kind === 'oci') return `oci:${loc.dir}${loc.tag !== undefined ? `:${loc.tag}` : ''}`;
  return `docker://${formatReference(loc.ref)}`;
}

/** One side of a copy: reads an image's content, or writes it. */
export interface ImageEndpoint {
  readonly name: string;
  /** The manifest this location names (its tag or digest), bytes verified. */
  getRoot(): Promise<{ descriptor: Descriptor; bytes: Buffer }>;
  /** A manifest by digest, bytes verified. */
  getManifest(desc: Descriptor): Promise<Buffer>;
  /**
   * A blob's content; the stream fails at its end if it does not match the digest. From `offset`
   * (the rest of a resumed upload) the bytes are not verified here: the receiver verifies them.
   */
  openBlob(desc: Descriptor, offset?: number): Promise<Readable>;
  hasBlob(desc: Descriptor): Promise<boolean>;
  /** Stores a blob; `open(offset)` streams it from the source (from 0 unless an upload resumes). */
  putBlob(
    desc: Descriptor,
    open: (offset?: number) => Promise<Readable>,
    from: ImageEndpoint,
  ): Promise<UploadResult>;
  hasManifest(desc: Descriptor): Promise<boolean>;
  /** The digest this location's reference names now (undefined: nothing); absent: always write the root. */
  rootDigest?(): Promise<Digest | undefined>;
  /** Stores manifest bytes as given; `root` ones also get this location's tag. */
  putManifest(desc: Descriptor, bytes: Buffer, root: boolean): Promise<void>;
}

function checkBytes(name: string, desc: Descriptor, bytes: Buffer): Buffer {
  const actual = digestOf(bytes, digestAlgorithm(desc.digest));
  if (actual !== desc.digest)
    throw new Error(`${name}: manifest ${desc.digest} has content hashing to ${actual}`);
  return bytes;
}

/** Makes a large blob's upload resumable across attempts (see UploadSession). */
export type UploadSessions = (repository: string, digest: Digest) => UploadSession;

export class RegistryEndpoint implements ImageEndpoint {
  readonly name: string;
  readonly client: RegistryClient;
  readonly ref: Reference;
  private readonly sessions: UploadSessions | undefined;

  constructor(client: RegistryClient, ref: Reference, opts: { sessions?: UploadSessions } = {}) {
    this.client = client;
    this.ref = ref;
    this.name = formatReference(ref);
    this.sessions = opts.sessions;
  }

  async getRoot() {
    const m = await this.client.getManifest(this.ref.repository, this.ref.digest ?? this.ref.tag ?? 'latest');
    return { descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, bytes: m.bytes };
  }

  async getManifest(desc: Descriptor): Promise<Buffer> {
    return (await this.client.getManifest(this.ref.repository, desc.digest)).bytes;
  }

  async openBlob(desc: Descriptor, offset = 0): Promise<Readable> {
    return (await this.client.getBlob(this.ref.repository, desc.digest, { offset })).stream;
  }

  hasBlob(desc: Descriptor): Promise<boolean> {
    return this.client.blobExists(this.ref.repository, desc.digest);
  }

  putBlob(
    desc: Descriptor,
    open: (offset?: number) => Promise<Readable>,
    from: ImageEndpoint,
  ): Promise<UploadResult> {
    const sameRegistry = from instanceof RegistryEndpoint && from.client.registry === this.client.registry;
    const mountFrom = sameRegistry ? from.ref.repository : undefined;
    const session = this.sessions?.(this.ref.repository, desc.digest);
    return this.client.uploadBlob(this.ref.repository, desc, open, { mountFrom, session });
  }

  async hasManifest(desc: Descriptor): Promise<boolean> {
    return (await this.client.headManifest(this.ref.repository, desc.digest)) !== undefined;
  }

  async rootDigest(): Promise<Digest | undefined> {
    const ref = this.ref.digest ?? this.ref.tag ?? 'latest';
    return (await this.client.headManifest(this.ref.repository, ref))?.digest;
  }

  async putManifest(desc: Descriptor, bytes: Buffer, root: boolean): Promise<void> {
    if (root && this.ref.digest !== undefined && this.ref.digest !== desc.digest) {
      throw new Error(`${this.name}: the image copied has digest ${desc.digest}`);
    }
    const target = root && this.ref.tag !== undefined ? this.ref.tag : desc.digest;
    await this.client.putManifest(this.ref.repository, target, bytes, desc.mediaType);
  }
}

/** The stream without its first `n` bytes. */
function skipped(stream: Readable, n: number): Readable {
  return Readable.from(
    (async function* () {
      let left = n;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (left >= chunk.length) {
          left -= chunk.length;
          continue;
        }
        yield chunk.subarray(left);
        left = 0;
      }
    })(),
  );
}

export class LayoutEndpoint implements ImageEndpoint {
  readonly name: string;
  private readonly dir: string;
  private readonly tag: string | undefined;
  private readonly create: boolean;
  private layout: Promise<OciLayout> | undefined;

  /** `create`: make the layout when missing (a destination); else it must exist (a source). */
  constructor(dir: string, tag: string | undefined, create: boolean) {
    this.dir = dir;
    this.create = create;
    this.tag = tag;
    this.name = formatImageLocation(tag === undefined ? { kind: 'oci', dir } : { kind: 'oci', dir, tag });
  }

  private open(): Promise<OciLayout> {
    this.layout ??= this.create ? OciLayout.create(this.dir) : OciLayout.open(this.dir);
    return this.layout;
  }

  async getRoot() {
    const layout = await this.open();
    const descriptor = await layout.resolve(this.tag);
    return { descriptor, bytes: checkBytes(this.name, descriptor, await layout.readBlob(descriptor.digest)) };
  }

  async getManifest(desc: Descriptor): Promise<Buffer> {
    return checkBytes(this.name, desc, await (await this.open()).readBlob(desc.digest));
  }

  async openBlob(desc: Descriptor, offset = 0): Promise<Readable> {
    const stream = await (await this.open()).openBlob(desc.digest, { verify: offset === 0 });
    return offset === 0 ? stream : skipped(stream, offset);
  }

  async hasBlob(desc: Descriptor): Promise<boolean> {
    return (await (await this.open()).statBlob(desc.digest)) === desc.size;
  }

  async putBlob(desc: Descriptor, open: (offset?: number) => Promise<Readable>): Promise<UploadResult> {
    await (await this.open()).writeBlob(desc.digest, await open(0));
    return 'uploaded';
  }

  hasManifest(desc: Descriptor): Promise<boolean> {
    return this.hasBlob(desc);
  }

  async putManifest(desc: Descriptor, bytes: Buffer, root: boolean): Promise<void> {
    const layout = await this.open();
    await layout.writeBlob(desc.digest as Digest, bytes);
    if (root) await layout.addManifest(desc, this.tag);
  }
}
