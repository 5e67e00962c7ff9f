import { type Digest, digestAlgorithm, digestOf, tryParseDigest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import { type ParsedManifest, parseManifest } from '../../oci/manifest.js';
import { MediaType } from '../../oci/media-types.js';
import { assertRepositoryName, assertTag } from '../../oci/names.js';
import {
  type ManifestRecord,
  type ManifestRef,
  type MetaStore,
  MissingBlobsError,
  TagChangedError,
} from '../../ports/meta-store.js';
import type { Admission } from './admission.js';
import { currentActor, retryOnTagChange } from './tag-writes.js';
import { TtlCache } from './ttl-cache.js';

export interface PutManifestResult {
  digest: Digest;
  subject: Digest | null;
  /** The digest a tag pointed at before this push moved it. */
  previousTagDigest: Digest | undefined;
}

export interface ReferrersIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Record<string, unknown>[];
}

function unknownManifest(reference: string): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', undefined, { detail: { reference: reference.slice(0, 200) } });
}

function refsOf(m: ParsedManifest): ManifestRef[] {
  const refs: ManifestRef[] = [];
  if (m.config) refs.push({ digest: m.config.digest, kind: 'config' });
  for (const b of m.blobs) if (b !== m.config) refs.push({ digest: b.digest, kind: 'layer' });
  for (const c of m.manifests) refs.push({ digest: c.digest, kind: 'manifest' });
  if (m.subject) refs.push({ digest: m.subject.digest, kind: 'subject' });
  // The same digest may appear twice (two identical layers); the edge is stored once.
  const seen = new Set<string>();
  return refs.filter((r) => !seen.has(`${r.kind}:${r.digest}`) && seen.add(`${r.kind}:${r.digest}`));
}

/**
 * Manifests and tags. Bodies come from the metadata store, with a short-lived cache in front of
 * lookups so a hot pull by tag costs no query at all.
 */
export class ManifestService {
  private readonly cache: TtlCache<ManifestRecord>;

  constructor(
    private readonly deps: {
      meta: MetaStore;
      maxManifestBytes: number;
      cacheTtlMs: number;
      cacheEntries: number;
      admission?: Admission;
    },
  ) {
    this.cache = new TtlCache(deps.cacheTtlMs, deps.cacheEntries);
  }

  /** Resolves a tag or digest reference to the stored manifest. */
  async get(repo: string, reference: string): Promise<ManifestRecord> {
    assertRepositoryName(repo);
    const key = `${repo}\0${reference}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const digest = tryParseDigest(reference);
    if (!digest && !isReferenceTag(reference)) throw unknownManifest(reference);
    const found = digest
      ? await this.deps.meta.manifests.getByDigest(repo, digest)
      : await this.deps.meta.manifests.getByTag(repo, reference);
    if (!found) throw unknownManifest(reference);
    this.cache.set(key, found);
    return found;
  }

  /**
   * Validates and stores a manifest (under a tag, or by digest). With `contentPending` (a proxy cache
   * storing what its upstream served) the referenced blobs and child manifests need not be present
   * yet: they are fetched when first pulled, so the presence check is skipped.
   */
  async put(
    repo: string,
    reference: string,
    contentType: string | undefined,
    body: Buffer,
    opts: { contentPending?: boolean } = {},
  ): Promise<PutManifestResult> {
    assertRepositoryName(repo);
    if (body.length > this.deps.maxManifestBytes) {
      throw new RegistryError('MANIFEST_INVALID', 'manifest too large', {
        status: 413,
        detail: { limit: this.deps.maxManifestBytes },
      });
    }
    const byDigest = reference.includes(':') ? tryParseDigest(reference) : undefined;
    if (reference.includes(':') && !byDigest)
      throw new RegistryError('DIGEST_INVALID', 'invalid digest reference');
    const tag = byDigest ? undefined : assertTag(reference);
    const digest = digestOf(body, byDigest ? digestAlgorithm(byDigest) : 'sha256');
    if (byDigest && byDigest !== digest) {
      throw new RegistryError('DIGEST_INVALID', 'manifest digest does not match its content', {
        detail: { expected: byDigest, actual: digest },
      });
    }
    const parsed = parseManifest(body, contentType);
    const r = await this.deps.meta.repos.ensure(repo);
    const missing = opts.contentPending
      ? []
      : await this.deps.meta.manifests.missing(
          r.id,
          parsed.blobs.map((b) => b.digest),
          parsed.manifests.map((m) => m.digest),
        );
    if (missing.length > 0) {
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', undefined, {
        detail: { missing: missing.slice(0, 50) },
      });
    }
    await this.deps.admission?.beforeManifest?.(repo, {
      digest,
      size: body.length,
      subject: parsed.subject?.digest ?? null,
      ...(tag ? { tag } : {}),
    });
    const record: ManifestRecord = {
      digest,
      mediaType: parsed.mediaType,
      size: body.length,
      body,
      artifactType: parsed.artifactType,
      subject: parsed.subject?.digest ?? null,
      annotations: parsed.annotations ? JSON.stringify(parsed.annotations) : null,
    };
    const refs = refsOf(parsed);
    // Checked again inside the write, where garbage collection cannot unlink them meanwhile.
    const linked = opts.contentPending ? [] : parsed.blobs.map((b) => b.digest);
    const actor = currentActor();
    const { previousTagDigest } = await blobsStillLinked(
      tag === undefined
        ? this.deps.meta.manifests.put(r.id, record, refs, undefined, { actor }, linked)
        : retryOnTagChange(async () => {
            const from = (await this.deps.meta.tags.get(r.id, tag))?.digest ?? null;
            if (from !== digest) {
              const move = { tag, from, to: digest, subject: record.subject };
              await this.deps.admission?.beforeTagMove?.(repo, move);
            }
            return this.deps.meta.manifests.put(r.id, record, refs, tag, { actor, expect: from }, linked);
          }),
    );
    if (tag) this.cache.delete(`${repo}\0${tag}`);
    return { digest, subject: record.subject, previousTagDigest };
  }

  /**
   * By digest: deletes the manifest and every tag on it. By tag: deletes only the tag. The
   * admission hooks see exactly what goes (beforeDelete), and nothing else goes. For callers that
   * decided from what they read (retention), by digest: `expectTags` deletes only if exactly these
   * tags are on it, `unused` only if no index in the repository lists it; else 409 and nothing goes,
   * so a tag or an index pushed meanwhile never loses its manifest.
   */
  async delete(
    repo: string,
    reference: string,
    o: DeleteExpectations = {},
  ): Promise<{ digest?: Digest; tags: string[] }> {
    assertRepositoryName(repo);
    const r = await this.deps.meta.repos.get(repo);
    if (!r) throw unknownManifest(reference);
    const { meta, admission } = this.deps;
    const actor = currentActor();
    const digest = tryParseDigest(reference);
    if (!digest) {
      if (!isReferenceTag(reference)) throw unknownManifest(reference);
      await retryOnTagChange(async () => {
        const current = await meta.tags.get(r.id, reference);
        if (!current) throw unknownManifest(reference);
        const { digest: target, subject } = current;
        await admission?.beforeDelete?.(repo, { digest: target, subject, tag: reference, tags: [reference] });
        if (!(await meta.tags.delete(r.id, reference, { actor, expect: target })))
          throw unknownManifest(reference);
      });
      this.cache.delete(`${repo}\0${reference}`);
      return { tags: [reference] };
    }
    const tags = await retryOnTagChange(async () => {
      const m = await meta.manifests.getByDigest(repo, digest);
      if (!m) throw unknownManifest(reference);
      const tagged = await meta.tags.pointingAt(r.id, digest);
      if (o.expectTags && !sameTags(tagged, o.expectTags)) throw tagsChanged(digest, tagged);
      if (o.unused) {
        const parents = await meta.manifests.parents(r.id, digest);
        if (parents.length > 0)
          throw new RegistryError(
            'WHARF_ERR_CONFLICT',
            `${digest} is listed by index ${parents.join(', ')}`,
            {
              detail: { digest, indexes: parents },
            },
          );
      }
      await admission?.beforeDelete?.(repo, { digest, subject: m.subject, tags: tagged });
      try {
        return await meta.manifests.delete(r.id, digest, { actor, expectTags: tagged });
      } catch (err) {
        // With the caller's expectation, a tag that came meanwhile ends the delete (no retry).
        if (o.expectTags && err instanceof TagChangedError) throw tagsChanged(digest, [err.message]);
        throw err;
      }
    });
    if (!tags) throw unknownManifest(reference);
    // Tags that pointed here are gone; drop the repository's cached lookups rather than track them.
    this.cache.deletePrefix(`${repo}\0`);
    return { digest, tags };
  }

  async referrers(repo: string, subject: Digest, artifactType?: string): Promise<ReferrersIndex> {
    assertRepositoryName(repo);
    const r = await this.deps.meta.repos.get(repo);
    if (!r) throw new RegistryError('NAME_UNKNOWN', undefined, { detail: { name: repo } });
    const rows = await this.deps.meta.manifests.referrers(r.id, subject, artifactType);
    const manifests = rows.map((m) => ({
      mediaType: m.mediaType,
      digest: m.digest,
      size: m.size,
      ...(m.artifactType ? { artifactType: m.artifactType } : {}),
      ...(m.annotations ? { annotations: JSON.parse(m.annotations) as unknown } : {}),
    }));
    return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
  }
}

/** A blob the manifest needs was unlinked (garbage collection) between the check and the write. */
async function blobsStillLinked<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (!(err instanceof MissingBlobsError)) throw err;
    throw new RegistryError('MANIFEST_BLOB_UNKNOWN', undefined, {
      detail: { missing: err.digests.slice(0, 50) },
      cause: err,
    });
  }
}

function isReferenceTag(reference: string): boolean {
  try {
    assertTag(reference);
    return true;
  } catch {
    return false;
  }
}

/** What a caller of a delete by digest expects to still hold (see ManifestService.delete). */
export interface DeleteExpectations {
  expectTags?: readonly string[];
  unused?: boolean;
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((t, i) => t === [...b].sort()[i]);
}

function tagsChanged(digest: Digest, now: readonly string[]): RegistryError {
  return new RegistryError(
    'WHARF_ERR_CONFLICT',
    `the tags of ${digest} changed (now: ${now.join(', ') || 'none'})`,
    {
      detail: { digest, tags: now },
    },
  );
}
