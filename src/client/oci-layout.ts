import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, digestAlgorithm, digestHex } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import { type Descriptor, readManifest } from './manifest.js';
import { verifyingStream } from './verify.js';

/** The annotation naming a manifest in index.json (skopeo's `oci:DIR:TAG`). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const LAYOUT_FILE = { imageLayoutVersion: '1.0.0' };

export class OciLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OciLayoutError';
  }
}

interface IndexDoc {
  manifests: Descriptor[];
  [key: string]: unknown;
}

/** An OCI image layout directory: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`. */
export class OciLayout {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens an existing layout; fails when `dir` has no `oci-layout` file. */
  static async open(dir: string): Promise<OciLayout> {
    try {
      await stat(join(dir, 'oci-layout'));
    } catch {
      throw new OciLayoutError(`${dir} is not an OCI image layout (no oci-layout file)`);
    }
    return new OciLayout(dir);
  }

  /** Opens the layout at `dir`, creating an empty one first if there is none. */
  static async create(dir: string): Promise<OciLayout> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    if (!(await exists(join(dir, 'oci-layout')))) {
      await writeFile(join(dir, 'oci-layout'), JSON.stringify(LAYOUT_FILE));
    }
    if (!(await exists(join(dir, 'index.json')))) {
      await writeJson(join(dir, 'index.json'), {
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [],
      });
    }
    return new OciLayout(dir);
  }

  blobPath(digest: Digest): string {
    return join(this.dir, 'blobs', digestAlgorithm(digest), digestHex(digest));
  }

  /** The blob's size when present, else undefined. */
  async statBlob(digest: Digest): Promise<number | undefined> {
    try {
      return (await stat(this.blobPath(digest))).size;
    } catch {
      return undefined;
    }
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    return (await this.statBlob(digest)) !== undefined;
  }

  /** Streams a blob; with `verify`, the stream errors at its end if the file does not match. */
  async openBlob(digest: Digest, opts: { verify?: boolean } = {}): Promise<Readable> {
    const size = await this.statBlob(digest);
    if (size === undefined) throw new OciLayoutError(`blob ${digest} not found in ${this.dir}`);
    const file = createReadStream(this.blobPath(digest));
    if (!opts.verify) return file;
    const checked = file.pipe(verifyingStream(digest, size));
    file.on('error', (err) => checked.destroy(err));
    return checked;
  }

  async readBlob(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch {
      throw new OciLayoutError(`blob ${digest} not found in ${this.dir}`);
    }
  }

  /** Writes a blob atomically (temp file, verify, rename); content not matching `digest` is refused. */
  async writeBlob(
    digest: Digest,
    source: Uint8Array | Readable,
    onBytes?: (n: number) => void,
  ): Promise<void> {
    const dir = join(this.dir, 'blobs', digestAlgorithm(digest));
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${digestHex(digest)}.${randomUUID()}.partial`);
    const input = source instanceof Uint8Array ? Readable.from([Buffer.from(source)]) : source;
    try {
      await pipeline(
        input,
        countingTap(onBytes),
        verifyingStream(digest),
        createWriteStream(tmp, { mode: 0o644 }),
      );
      await rename(tmp, this.blobPath(digest));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** The descriptors listed in index.json. */
  async manifests(): Promise<Descriptor[]> {
    return (await this.readIndex()).manifests;
  }

  /** Names (ref.name annotations) in index.json. */
  async tags(): Promise<string[]> {
    const names = (await this.manifests()).map((d) => d.annotations?.[REF_NAME_ANNOTATION]);
    return names.filter((n): n is string => n !== undefined);
  }

  /**
   * The manifest named `tag` in index.json; without a tag, the only manifest there
   * (several make that ambiguous, as in skopeo).
   */
  async resolve(tag?: string): Promise<Descriptor> {
    const all = await this.manifests();
    if (tag !== undefined) {
      const found = all.find((d) => d.annotations?.[REF_NAME_ANNOTATION] === tag);
      if (!found) throw new OciLayoutError(`no image tagged "${tag}" in ${this.dir}`);
      return found;
    }
    if (all.length === 1 && all[0]) return all[0];
    if (all.length === 0) throw new OciLayoutError(`no image in ${this.dir}`);
    throw new OciLayoutError(`${this.dir} holds ${all.length} images: name one (oci:DIR:TAG)`);
  }

  /** Lists a manifest in index.json (under `tag`, replacing what had that name). Its blob must exist. */
  async addManifest(desc: Descriptor, tag?: string): Promise<void> {
    const doc = await this.readIndex();
    const keep = doc.manifests.filter((d) =>
      tag !== undefined
        ? d.annotations?.[REF_NAME_ANNOTATION] !== tag
        : d.digest !== desc.digest || d.annotations?.[REF_NAME_ANNOTATION] !== undefined,
    );
    const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
    if (desc.platform) entry.platform = desc.platform;
    if (desc.artifactType) entry.artifactType = desc.artifactType;
    const annotations = { ...desc.annotations, ...(tag !== undefined ? { [REF_NAME_ANNOTATION]: tag } : {}) };
    if (Object.keys(annotations).length > 0) entry.annotations = annotations;
    await writeJson(join(this.dir, 'index.json'), { ...doc, manifests: [...keep, entry] });
  }

  private async readIndex(): Promise<IndexDoc> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.dir, 'index.json'));
    } catch {
      throw new OciLayoutError(`${this.dir} has no index.json`);
    }
    const info = readManifest(bytes, MediaType.OciIndex);
    const doc = JSON.parse(bytes.toString('utf8')) as IndexDoc;
    return { ...doc, manifests: info.manifests };
  }
}

function countingTap(onBytes: ((n: number) => void) | undefined) {
  return async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      onBytes?.(chunk.length);
      yield chunk;
    }
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeJson(path: string, doc: unknown): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(doc));
  await rename(tmp, path);
}
