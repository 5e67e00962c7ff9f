import type { Digest } from '../oci/digest.js';
import type { AccessStore } from './access-store.js';
import type { CatalogStore } from './catalog-store.js';
import type { EventStore } from './event-store.js';
import type { GcStore } from './gc-store.js';
import type {
  ActivityStore,
  Actor,
  ImmutabilityStore,
  LabelStore,
  TagHistoryEntry,
} from './lifecycle-store.js';
import type { PromotionStore } from './promotion-store.js';
import type { ReplicationStore } from './replication-store.js';
import type { RetentionStore } from './retention-store.js';
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
  /**
   * Records a committed blob; idempotent. Call only after the BlobStore commit succeeded. Not guarded
   * against a concurrent garbage collection (seeding, tests): the registry uses {@link store}.
   */
  record(digest: Digest, size: number): Promise<void>;
  /** A blob known to the registry, whatever repository holds it. */
  get(digest: Digest): Promise<{ digest: Digest; size: number } | undefined>;
  /**
   * Makes a recorded blob visible in a repository; idempotent (a link made again counts as new for
   * garbage collection's grace period). Holds the digest's lock (see {@link store}); false when the
   * blob is not recorded (garbage collection took it since the caller looked).
   */
  link(repoId: number, digest: Digest): Promise<boolean>;
  /**
   * Stores a blob and links it, safely against a concurrent garbage collection: `place` (which
   * puts the verified file in the blob store: BlobUpload.commit) runs while the digest's lock is
   * held, and the row and the link are written before it is released. GC deletes a row, and then
   * its file, only under that lock, so it can neither remove a file just placed under a row nor
   * delete the row between the record and the link.
   */
  store(
    repoId: number,
    digest: Digest,
    place: () => Promise<{ size: number }>,
  ): Promise<{ digest: Digest; size: number }>;
  /** A blob as seen from a repository (by name): undefined unless linked there. One query. */
  getLinked(repoName: string, digest: Digest): Promise<{ digest: Digest; size: number } | undefined>;
  /** Removes the repository link. Returns false when there was none. */
  unlink(repoId: number, digest: Digest): Promise<boolean>;
  /** Sum of recorded blob sizes. */
  totalBytes(): Promise<number>;
}

/**
 * A tag write's conditions: who makes it (recorded in the tag's history) and, optionally, what the
 * tag must point at when the write happens (compare-and-set, so a check made before the write holds).
 */
export interface TagWrite {
  /** Recorded in the tag history; default `system`. */
  actor?: Actor;
  /** The digest the tag must point at now; null: it must not exist. Else {@link TagChangedError}. */
  expect?: Digest | null;
}

/** Blobs a manifest write required were not linked in the repository (any more); nothing was written. */
export class MissingBlobsError extends Error {
  constructor(readonly digests: Digest[]) {
    super(`blobs not linked: ${digests.slice(0, 5).join(', ')}`);
    this.name = 'MissingBlobsError';
  }
}

/** A tag (or a manifest's set of tags) changed between a caller's check and its write; nothing was written. */
export class TagChangedError extends Error {
  constructor(tag: string) {
    super(`tag ${tag} changed concurrently`);
    this.name = 'TagChangedError';
  }
}

export interface ManifestStore {
  /**
   * Stores a manifest with its reference edges in one transaction (insert-or-ignore: pushing the
   * same digest twice is fine and keeps the first row, its push time raised to now). Optionally
   * points `tag` at it in the same transaction, recording the creation or move in the tag's history
   * and setting the tag's push time, and returns the digest the tag pointed at before (undefined if
   * new or unchanged). `write.expect` makes the tag write conditional (see {@link TagWrite}).
   * `linked`: blobs that must be linked in the repository, checked (and on PostgreSQL share-locked)
   * in the transaction so garbage collection cannot unlink them in between; else
   * {@link MissingBlobsError} and nothing is written.
   */
  put(
    repoId: number,
    manifest: ManifestRecord,
    refs: ManifestRef[],
    tag?: string,
    write?: TagWrite,
    linked?: readonly Digest[],
  ): Promise<{ previousTagDigest: Digest | undefined }>;
  /** One indexed query joining repositories, tags and manifests. */
  getByTag(repoName: string, tag: string): Promise<ManifestRecord | undefined>;
  getByDigest(repoName: string, digest: Digest): Promise<ManifestRecord | undefined>;
  /** Of the given digests, those not present in the repository (blobs: linked; manifests: stored). */
  missing(repoId: number, blobs: Digest[], manifests: Digest[]): Promise<Digest[]>;
  /**
   * Deletes the manifest, its edges, its labels and every tag pointing at it (each tag's deletion
   * recorded in its history, by `o.actor`). Returns the deleted tags, or undefined if absent. With
   * `o.expectTags`, throws {@link TagChangedError} (deleting nothing) unless exactly those tags went.
   */
  delete(
    repoId: number,
    digest: Digest,
    o?: { actor?: Actor; expectTags?: readonly string[] },
  ): Promise<string[] | undefined>;
  /** Manifests in the repository whose subject is `subject`, optionally filtered by artifactType. */
  referrers(repoId: number, subject: Digest, artifactType?: string): Promise<ReferrerRecord[]>;
  /** Manifests in the repository that list `child` among their manifests (the indexes holding it), by digest. */
  parents(repoId: number, child: Digest): Promise<Digest[]>;
}

export interface TagStore {
  /** Tag names of a repository in lexical order; undefined when the repository does not exist. */
  list(repoName: string, page: Page): Promise<string[] | undefined>;
  /** What a tag points at, and that manifest's subject (null: not a referrer). */
  get(repoId: number, tag: string): Promise<{ digest: Digest; subject: Digest | null } | undefined>;
  /** The tags pointing at a manifest, in lexical order. */
  pointingAt(repoId: number, digest: Digest): Promise<string[]>;
  /**
   * Removes a tag, recording the deletion in its history (by `o.actor`). Returns false when there
   * was none. With `o.expect`, throws {@link TagChangedError} if the tag points elsewhere.
   */
  delete(repoId: number, tag: string, o?: { actor?: Actor; expect?: Digest }): Promise<boolean>;
  /**
   * A tag's history (creations, moves, deletions), newest first, entries with an id below
   * `page.before` when given; undefined when the repository does not exist. Kept after the tag is gone.
   */
  history(
    repoName: string,
    tag: string,
    page: { before?: number; n: number },
  ): Promise<TagHistoryEntry[] | undefined>;
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
  /** Replication policies, executions and resumable uploads. */
  readonly replication: ReplicationStore;
  /** Read-only listings for the management API. */
  readonly catalog: CatalogStore;
  /** Labels on artifacts (`key=value`), and the artifacts carrying one. */
  readonly labels: LabelStore;
  /** Per-project tag immutability rules. */
  readonly immutability: ImmutabilityStore;
  /** Push and pull times of manifests and tags (pull times written in batches). */
  readonly activity: ActivityStore;
  /** Garbage collection's queries and its run history. */
  readonly gc: GcStore;
  /** Promotion gates, approvals, promoted (locked) tags and revoked digests. */
  readonly promotion: PromotionStore;
  /** Retention policies and their run history. */
  readonly retention: RetentionStore;
  /** Checks the database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
