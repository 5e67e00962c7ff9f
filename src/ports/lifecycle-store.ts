import type { Digest } from '../oci/digest.js';

/** Who made a change, as the tag history records it (the request's principal; `system` outside requests). */
export interface Actor {
  name: string;
  kind: 'user' | 'robot' | 'anonymous' | 'system';
}

export type TagAction = 'created' | 'moved' | 'deleted';

/** One change of a tag: created (from null), moved (from → to), deleted (to null). */
export interface TagHistoryEntry {
  /** Increasing with time within a database; the cursor of a history page. */
  id: number;
  tag: string;
  action: TagAction;
  from: Digest | null;
  to: Digest | null;
  actor: Actor;
  at: Date;
}

/** An artifact carrying a label, as {@link LabelStore.find} lists it. */
export interface LabeledArtifact {
  repository: string;
  digest: Digest;
  value: string;
}

/**
 * Labels on artifacts: `key=value` pairs on a manifest of a repository (one value per key). They are
 * deleted with their manifest. Keys and values are checked by the caller (the API's schemas).
 */
export interface LabelStore {
  /** Sets or replaces `key` on a stored manifest. False when the manifest is not in the repository. */
  set(repository: string, digest: Digest, key: string, value: string): Promise<boolean>;
  /** Removes `key`. False when the manifest had no such label. */
  remove(repository: string, digest: Digest, key: string): Promise<boolean>;
  /** A manifest's labels (none: `{}`). */
  of(repository: string, digest: Digest): Promise<Record<string, string>>;
  /**
   * The artifacts carrying `key` (with exactly `value` when given), for replication and retention
   * filters: ordered by repository then digest, after the cursor `after`, at most `n`, optionally
   * only in one `project` (its repositories `<project>` and `<project>/…`) or one `repository`.
   * One indexed range scan per page.
   */
  find(q: {
    key: string;
    value?: string;
    project?: string;
    repository?: string;
    after?: { repository: string; digest: Digest };
    n: number;
  }): Promise<LabeledArtifact[]>;
}

/** How a rule's pattern selects: names matching it, or names not matching it (Harbor's decorations). */
export type Decoration = 'matching' | 'excluding';

export interface Selector {
  decoration: Decoration;
  /** A doublestar glob: `**` across `/`, `*` and `?` within a segment, `{a,b}` alternatives. */
  pattern: string;
}

/**
 * A project's tag immutability rule: a tag is immutable in a repository when both selectors select
 * (the repository name without its `<project>/` prefix, and the tag).
 */
export interface ImmutabilityRule {
  id: number;
  project: string;
  repositories: Selector;
  tags: Selector;
  createdAt: Date;
}

export interface ImmutabilityStore {
  /** A project's rules, oldest first; [] for an unknown project. */
  list(project: string): Promise<ImmutabilityRule[]>;
  /** Adds a rule to an existing project; undefined when the project does not exist. */
  create(
    project: string,
    rule: { repositories: Selector; tags: Selector },
  ): Promise<ImmutabilityRule | undefined>;
  /** Removes one rule of the project. False when it has no such rule. Rules go with their project. */
  delete(project: string, id: number): Promise<boolean>;
}

/** One observed pull: the manifest served, the tag it was asked by (none: by digest), when (epoch ms). */
export interface PullTime {
  repository: string;
  digest: Digest;
  tag?: string;
  at: number;
}

export interface TagTimes {
  name: string;
  /** The last push through this tag (a re-push of the same digest counts). */
  pushedAt: Date;
  /** The last GET by this tag while it pointed here; null: never. */
  pulledAt: Date | null;
}

/** A manifest's push and pull times and its tags' — what retention rules read. */
export interface ArtifactTimes {
  digest: Digest;
  /** Whether it refers to another manifest (`subject`): signatures, attestations, SBOMs. */
  subject: Digest | null;
  /** The first push of this digest into the repository. */
  createdAt: Date;
  /** The last push of this digest (by digest or through a tag). */
  pushedAt: Date;
  /** The last GET of this manifest (by digest or by any tag); null: never. */
  pulledAt: Date | null;
  tags: TagTimes[];
}

/**
 * Push and pull times. Pushes set them in the manifest and tag writes themselves; pulls reach the
 * store in batches (services/lifecycle PullTimes), so a pull time may lag by about a second.
 */
export interface ActivityStore {
  /**
   * Raises the pull times (never lowers them) of the manifests, and of the tags still pointing at
   * the pulled digest, in one transaction. Pulls of what is gone by now are ignored.
   */
  recordPulls(pulls: readonly PullTime[]): Promise<void>;
  /** Every manifest of a repository with its times and its tags', by digest; undefined when absent. */
  artifacts(repository: string): Promise<ArtifactTimes[] | undefined>;
}
