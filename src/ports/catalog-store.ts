import type { Digest } from '../oci/digest.js';
import type { TagTimes } from './lifecycle-store.js';

/** A repository as the management API lists it. */
export interface RepositorySummary {
  /** Full name, project segment included (`team-payments/api`). */
  name: string;
  /** Listed artifacts (see ArtifactSummary): attached manifests without a tag are not counted. */
  artifactCount: number;
  tagCount: number;
  /** Distinct blobs linked into the repository plus its manifests' bodies. */
  sizeBytes: number;
  /** Latest manifest push or tag move. */
  updatedAt: Date;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
}

/**
 * A manifest seen as an artifact. A manifest is *attached* when it is a child of an index in the
 * same repository or refers (`subject`) to a manifest stored there; attached manifests are listed
 * only when tagged, and otherwise appear under their parent (children, referrers).
 */
export interface ArtifactSummary {
  digest: Digest;
  mediaType: string;
  artifactType: string | null;
  subject: Digest | null;
  /** The manifest, its child manifests, and every distinct blob they reference (config and layers). */
  size: number;
  tags: string[];
  /** Platforms of an index's children, from the index's descriptors; [] for single images. */
  platforms: Platform[];
  /** The last push of this digest (a re-push counts). */
  pushedAt: Date;
  /** The last GET of this manifest (written in batches, about a second late); null: never pulled. */
  pulledAt: Date | null;
  /** Its tags' push and pull times, by tag name (the same tags as `tags`). */
  tagTimes: TagTimes[];
  /** Its labels (`key` → `value`). */
  labels: Record<string, string>;
}

export interface ReferrerSummary {
  digest: Digest;
  mediaType: string;
  artifactType: string | null;
  size: number;
  annotations: Record<string, string> | null;
  pushedAt: Date;
}

export interface ArtifactDetail extends ArtifactSummary {
  /** Manifests in the same repository whose subject is this artifact. */
  referrers: ReferrerSummary[];
}

/**
 * Read-only views over registry metadata for the management API (listings with counts and sizes).
 * Cursor pagination throughout: `last` is the last item of the previous page, `n` the page size.
 */
export interface CatalogStore {
  /**
   * Repositories of `project` (named `<project>` or `<project>/…`) that hold at least one manifest,
   * in lexical order after `last`, optionally only names containing `nameContains`.
   */
  repositories(
    project: string,
    q: { nameContains?: string; last?: string; n: number },
  ): Promise<RepositorySummary[]>;
  /** One repository; undefined when absent or without any manifest. */
  repository(name: string): Promise<RepositorySummary | undefined>;
  /**
   * Listed artifacts of a repository by first push, newest first (ties by digest), after the artifact
   * whose digest is `last`, only those carrying `label` (its key, with that value when given).
   * Undefined when the repository does not exist.
   */
  artifacts(
    repository: string,
    q: { last?: string; n: number; label?: { key: string; value?: string } },
  ): Promise<ArtifactSummary[] | undefined>;
  /** One manifest by digest or tag, attached or not, with its referrers. */
  artifact(repository: string, reference: string): Promise<ArtifactDetail | undefined>;
  /** Every manifest digest stored in a repository (for deleting it). */
  manifestDigests(repository: string): Promise<Digest[]>;
}
