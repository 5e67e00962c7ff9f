import { PassThrough, type Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import type { ImageEndpoint } from './endpoints.js';
import { type Descriptor, readManifest } from './manifest.js';

export interface CopyProgress {
  bytesDone: number;
  bytesTotal: number;
  blobsDone: number;
  blobsTotal: number;
  manifestsDone: number;
  manifestsTotal: number;
}

export interface CopyOptions {
  /** Called as bytes move (often: throttle what you draw). */
  onProgress?: (p: Readonly<CopyProgress>) => void;
  /** Blobs copied at once. Default 4. */
  concurrency?: number;
  /**
   * Read the source and ask the destination what it has, but write nothing: the result counts what
   * a copy would do (a blob a copy could mount counts as copied).
   */
  dryRun?: boolean;
  /**
   * Dry runs over several images (an artifact and its attachments): digests an earlier one would
   * have written, counted as present from then on, as a real run would find them.
   */
  planned?: Set<string>;
}

export interface CopyResult {
  /** The digest of the root manifest, the same at both ends. */
  digest: Digest;
  mediaType: string;
  manifests: number;
  blobsCopied: number;
  blobsMounted: number;
  blobsSkipped: number;
  /** Bytes read from the source into the destination (the rest of a resumed upload, none if mounted). */
  bytesCopied: number;
  /** Manifests written: children the destination lacked, and the root unless its reference had it. */
  manifestsCopied: number;
  /** Every manifest digest of the tree, children first, the root last. */
  digests: Digest[];
}

interface PlannedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

interface Plan {
  /** Children before parents; the root last. */
  manifests: PlannedManifest[];
  blobs: Descriptor[];
}

/** Reads the manifest tree under the root: every child manifest (any depth) and every blob, once each. */
async function planCopy(src: ImageEndpoint, root: PlannedManifest): Promise<Plan> {
  const plan: Plan = { manifests: [], blobs: [] };
  const seenBlobs = new Set<string>();
  const seenManifests = new Set<string>();
  const visit = async (m: PlannedManifest): Promise<void> => {
    if (seenManifests.has(m.descriptor.digest)) return;
    seenManifests.add(m.descriptor.digest);
    const info = readManifest(m.bytes, m.descriptor.mediaType);
    for (const child of info.manifests) {
      await visit({ descriptor: child, bytes: await src.getManifest(child) });
    }
    const blobs = [...(info.config ? [info.config] : []), ...info.layers.filter((l) => l.urls === undefined)];
    for (const b of blobs) {
      if (seenBlobs.has(b.digest)) continue;
      seenBlobs.add(b.digest);
      plan.blobs.push(b);
    }
    plan.manifests.push(m);
  };
  await visit(root);
  return plan;
}

/**
 * Runs `fn` over the items, `limit` at once. After a failure no new item starts, and the ones in
 * flight finish before the first error is thrown: nothing of this copy keeps writing after it
 * failed (a retry may resume the same upload sessions).
 */
async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
}

/** Wraps a stream so every chunk read is reported. */
function counted(stream: Readable, onBytes: (n: number) => void): Readable {
  const tap = new PassThrough();
  stream.on('data', (chunk: Buffer) => onBytes(chunk.length));
  stream.on('error', (err) => tap.destroy(err));
  return stream.pipe(tap);
}

function emptyResult(root: Descriptor, plan: Plan): CopyResult {
  return {
    digest: root.digest,
    mediaType: root.mediaType,
    manifests: plan.manifests.length,
    blobsCopied: 0,
    blobsMounted: 0,
    blobsSkipped: 0,
    bytesCopied: 0,
    manifestsCopied: 0,
    digests: plan.manifests.map((m) => m.descriptor.digest),
  };
}

/** Copies one blob unless the destination has it, counting bytes as they are read from the source. */
async function copyBlob(
  src: ImageEndpoint,
  dst: ImageEndpoint,
  blob: Descriptor,
  result: CopyResult,
  onBytes: (n: number) => void,
  planned: Set<string> | undefined,
): Promise<void> {
  let sent = 0;
  const count = (n: number) => {
    sent += n;
    onBytes(n);
  };
  const open = async (offset = 0) => counted(await src.openBlob(blob, offset), count);
  if (planned?.has(blob.digest) || (await dst.hasBlob(blob))) {
    result.blobsSkipped++;
  } else if (planned) {
    planned.add(blob.digest);
    result.blobsCopied++;
    result.bytesCopied += blob.size;
  } else if ((await dst.putBlob(blob, open, src)) === 'mounted') {
    result.blobsMounted++;
  } else {
    result.blobsCopied++;
    result.bytesCopied += sent;
  }
  onBytes(blob.size - sent);
}

/**
 * Copies an image (manifest or index, with every platform) from `src` to `dst`: blobs first
 * (skipping those present, mounting where the registry allows), then child manifests, then the root.
 * Manifest bytes are copied verbatim, so digests are identical at both ends.
 */
export async function copyImage(
  src: ImageEndpoint,
  dst: ImageEndpoint,
  opts: CopyOptions = {},
): Promise<CopyResult> {
  const root = await src.getRoot();
  const plan = await planCopy(src, root);
  const progress: CopyProgress = {
    bytesDone: 0,
    bytesTotal: plan.blobs.reduce((n, b) => n + b.size, 0),
    blobsDone: 0,
    blobsTotal: plan.blobs.length,
    manifestsDone: 0,
    manifestsTotal: plan.manifests.length,
  };
  const result = emptyResult(root.descriptor, plan);
  const report = () => opts.onProgress?.(progress);
  report();
  const planned = opts.dryRun ? (opts.planned ?? new Set<string>()) : undefined;
  await forEachLimit(plan.blobs, opts.concurrency ?? 4, async (blob) => {
    const onBytes = (n: number) => {
      progress.bytesDone += n;
      report();
    };
    await copyBlob(src, dst, blob, result, onBytes, planned);
    progress.blobsDone++;
    report();
  });
  result.manifestsCopied = await copyManifests(dst, plan, root.descriptor.digest, planned, () => {
    progress.manifestsDone++;
    report();
  });
  return result;
}

/** Writes the manifests the destination lacks (children by digest; the root unless its reference names it already). */
async function copyManifests(
  dst: ImageEndpoint,
  plan: Plan,
  rootDigest: Digest,
  planned: Set<string> | undefined,
  done: () => void,
): Promise<number> {
  let written = 0;
  for (const m of plan.manifests) {
    const isRoot = m.descriptor.digest === rootDigest;
    const present = isRoot
      ? dst.rootDigest !== undefined && (await dst.rootDigest()) === rootDigest
      : planned?.has(m.descriptor.digest) || (await dst.hasManifest(m.descriptor));
    if (!present) {
      if (planned) planned.add(m.descriptor.digest);
      else await dst.putManifest(m.descriptor, m.bytes, isRoot);
      written++;
    }
    done();
  }
  return written;
}
