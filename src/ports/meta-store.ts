import type { Digest } from '../oci/digest.js';
import type { AccessStore } from './access-store.js';
import type { CatalogStore } from './catalog-store.js';
import type { EventStore } from './event-store.js';
import type { UsageStore } from './usage-store.js';

export interface Repository {
  id: number;
  name: string;
}

/** A stored manifest: its body lives in the metadata DB (at most 4 MiB) so a pull is one query. */
export interface ManifestRecord {
  digest: Digest;
  mediaType: string;
  size: number;
  body: Buffer;
  /** artifactType, or the config media type for artifacts whose manifest has none. */
  artifactType: string | null;
  /** Digest of the `subject` manifest, when this manifest refers to one. */
  subject: Digest | null;
  /** JSON text of the manifest's top-level annotations (for referrers), or null. */
  annotations: string | null;
}

export type RefKind = 'config' | 'layer' | 'manifest' | 'subject';

export interface ManifestRef {
  digest: Digest;
  kind: RefKind;
}

export interface Page {
  /** Return only names strictly after this one (lexical order). */
  last?: string;
  /** At most this many (caller caps it). */
  n: number;
}

export interface Upload {
  id: string;
  repoId: number;
  repoName: string;
  /** Bytes received so far, as last recorded. */
  offset: number;
  startedAt: Date;
  updatedAt: Date;
}

export interface ReferrerRecord {
  digest: Digest;
  mediaType: string;
  size: number;
  artifactType: string | null;
  annotations: string | null;
}

export interface RepositoryStore {
  get(name: string): Promise<Repository | undefined>;
  /** Returns the repository, creating it if needed; safe under concurrent callers. */
  ensure(name: string): Promise<Repository>;
  /** Repository names in lexical order after `page.last`, at most `page.n`. */
  list(page: Page): Promise<string[]>;
}

export interface BlobMetaStore {
  /** Records a committed blob; idempotent. Call only after the BlobStore commit succeeded. */
  record(digest: Digest, size: number): Promise<void>;
  /** A blob known to the registry, whatever repository holds it. */
  get(digest: Digest): Promise<{ digest: Digest; size: number } | undefined>;
  /** Makes a recorded blob visible in a repository; idempotent. */
  link(repoId: number, digest: Digest): Promise<void>;
  /** A blob as seen from a repository (by name): undefined unless linked there. One query. */
  getLinked(repoName: string, digest: Digest): Promise<{ digest: Digest; size: number } | undefined>;
  /** Removes the repository link. Returns false when there was none. */
  unlink(repoId: number, digest: Digest): Promise<boolean>;
  /** Sum of recorded blob sizes. */
  totalBytes(): Promise<number>;
}

export interface ManifestStore {
  /**
   * Stores a manifest with its reference edges in one transaction (insert-or-ignore: pushing the
   * same digest twice is fine and keeps the first row). Optionally points `tag` at it in the same
   * transaction, returning the digest the tag pointed at before (undefined if new or unchanged).
   */
  put(
    repoId: number,
    manifest: ManifestRecord,
    refs: ManifestRef[],
    tag?: string,
  ): Promise<{ previousTagDigest: Digest | undefined }>;
  /** One indexed query joining repositories, tags and manifests. */
  getByTag(repoName: string, tag: string): Promise<ManifestRecord | undefined>;
  getByDigest(repoName: string, digest: Digest): Promise<ManifestRecord | undefined>;
  /** Of the given digests, those not present in the repository (blobs: linked; manifests: stored). */
  missing(repoId: number, blobs: Digest[], manifests: Digest[]): Promise<Digest[]>;
  /** Deletes the manifest, its edges and every tag pointing at it. Returns the deleted tags, or undefined if absent. */
  delete(repoId: number, digest: Digest): Promise<string[] | undefined>;
  /** Manifests in the repository whose subject is `subject`, optionally filtered by artifactType. */
  referrers(repoId: number, subject: Digest, artifactType?: string): Promise<ReferrerRecord[]>;
  /** Manifests in the repository that list `child` among their manifests (the indexes holding it), by digest. */
  parents(repoId: number, child: Digest): Promise<Digest[]>;
}

export interface TagStore {
  /** Tag names of a repository in lexical order; undefined when the repository does not exist. */
  list(repoName: string, page: Page): Promise<string[] | undefined>;
  /** Removes a tag. Returns false when there was none. */
  delete(repoId: number, tag: string): Promise<boolean>;
}

export interface UploadStore {
  create(id: string, repoId: number): Promise<void>;
  get(id: string): Promise<Upload | undefined>;
  setOffset(id: string, offset: number): Promise<void>;
  delete(id: string): Promise<void>;
  /** Ids of uploads not updated since `before`. */
  expired(before: Date): Promise<string[]>;
  count(): Promise<number>;
}

/**
 * Registry metadata. One schema and one set of queries (Kysely) over SQLite and PostgreSQL.
 * Invariants: a tag points at a stored manifest; a manifest's refs exist in its repository.
 */
export interface MetaStore {
  readonly dialect: 'sqlite' | 'postgres';
  readonly repos: RepositoryStore;
  readonly blobs: BlobMetaStore;
  readonly manifests: ManifestStore;
  readonly tags: TagStore;
  readonly uploads: UploadStore;
  readonly access: AccessStore;
  readonly events: EventStore;
  readonly usage: UsageStore;
  /** Read-only listings for the management API. */
  readonly catalog: CatalogStore;
  /** Checks the database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
