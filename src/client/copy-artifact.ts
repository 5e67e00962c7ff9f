import type { Digest } from '../oci/digest.js';
import { type CosignTagKind, cosignTag } from '../supplychain/index.js';
import { type CopyOptions, type CopyResult, copyImage } from './copy.js';
import type { ImageEndpoint } from './endpoints.js';
import type { Descriptor } from './manifest.js';

/** A repository as the artifact copier sees it: images at references, and what refers to them. */
export interface RepositoryEndpoint {
  /** `registry/repository`, for messages. */
  readonly name: string;
  /** One image of the repository (a tag or a digest). */
  at(ref: { tag: string } | { digest: Digest }): ImageEndpoint;
  /** The digest a tag names, or undefined when the tag does not exist. */
  tagDigest(tag: string): Promise<Digest | undefined>;
  /** Manifests whose `subject` is `digest` (the referrers API, or the fallback tag's index). */
  referrers(digest: Digest): Promise<Descriptor[]>;
  /**
   * Makes a referrer just copied findable where the registry has no referrers API (adds it to the
   * `sha256-<hex>` fallback index); a registry with the API indexes it by itself.
   */
  indexReferrer(subject: Digest, entry: Descriptor): Promise<void>;
}

export interface AttachmentCopy {
  /** `referrer`: an OCI 1.1 referrer, copied by digest; `tag`: a cosign `.sig/.att/.sbom` tag. */
  kind: 'referrer' | 'tag';
  /** The manifest it is attached to. */
  subject: Digest;
  digest: Digest;
  tag?: string;
  result: CopyResult;
}

export interface ArtifactCopyResult {
  digest: Digest;
  mediaType: string;
  image: CopyResult;
  attachments: AttachmentCopy[];
  /** Bytes moved for the image and every attachment. */
  bytesCopied: number;
  /** Whether anything was (or, dry, would be) written: false when the destination had it all. */
  written: boolean;
}

export interface ArtifactCopyOptions extends CopyOptions {
  /** How many levels of attachments of attachments to follow (a signature of an SBOM…). Default 3. */
  depth?: number;
}

const COSIGN_KINDS: readonly CosignTagKind[] = ['sig', 'att', 'sbom'];

function wrote(r: CopyResult): boolean {
  return r.blobsCopied + r.blobsMounted + r.manifestsCopied > 0;
}

/** Copies what is attached to `subjects` (and to those attachments, `depth` levels down). */
async function copyAttachments(
  src: RepositoryEndpoint,
  dst: RepositoryEndpoint,
  subjects: readonly Digest[],
  opts: ArtifactCopyOptions,
  seen: Set<string>,
): Promise<AttachmentCopy[]> {
  const out: AttachmentCopy[] = [];
  let level = [...subjects];
  for (let depth = 0; depth < (opts.depth ?? 3) && level.length > 0; depth++) {
    const next: Digest[] = [];
    for (const subject of level) {
      for (const entry of await src.referrers(subject)) {
        if (seen.has(entry.digest)) continue;
        seen.add(entry.digest);
        const ref = { digest: entry.digest };
        const result = await copyImage(src.at(ref), dst.at(ref), opts);
        if (!opts.dryRun) await dst.indexReferrer(subject, entry);
        out.push({ kind: 'referrer', subject, digest: entry.digest, result });
        next.push(...result.digests);
      }
      for (const kind of COSIGN_KINDS) {
        const tag = cosignTag(subject, kind);
        const digest = await src.tagDigest(tag);
        if (digest === undefined || seen.has(`${tag}@${digest}`)) continue;
        seen.add(`${tag}@${digest}`);
        const result = await copyImage(src.at({ tag }), dst.at({ tag }), opts);
        out.push({ kind: 'tag', subject, digest, tag, result });
        next.push(...result.digests);
      }
    }
    level = next;
  }
  return out;
}

/**
 * Copies an artifact with everything attached to it: the image (every platform of an index), then
 * for the image and each of its child manifests the OCI referrers (signature bundles, attestations,
 * SBOMs) and cosign's `sha256-<hex>.sig/.att/.sbom` tags, recursively. Bytes are copied verbatim,
 * so every digest is the same at both ends; what the destination already has is skipped.
 */
export async function copyArtifact(
  src: RepositoryEndpoint,
  dst: RepositoryEndpoint,
  ref: { tag: string } | { digest: Digest },
  opts: ArtifactCopyOptions = {},
): Promise<ArtifactCopyResult> {
  // A dry run remembers what it would have written, so a blob two attachments share counts once.
  const o = opts.dryRun ? { ...opts, planned: opts.planned ?? new Set<string>() } : opts;
  const image = await copyImage(src.at(ref), dst.at(ref), o);
  const seen = new Set<string>(image.digests);
  const attachments = await copyAttachments(src, dst, image.digests, o, seen);
  const all = [image, ...attachments.map((a) => a.result)];
  return {
    digest: image.digest,
    mediaType: image.mediaType,
    image,
    attachments,
    bytesCopied: all.reduce((n, r) => n + r.bytesCopied, 0),
    written: all.some(wrote),
  };
}
