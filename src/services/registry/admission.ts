import type { Digest } from '../../oci/digest.js';

/** A validated manifest about to be stored, as admission hooks see it. */
export interface ManifestAdmission {
  digest: Digest;
  size: number;
  /** The tag it is being put under; absent for a push by digest. */
  tag?: string;
  /** Its `subject` (a referrer: signature, attestation, SBOM…); null when it has none. */
  subject?: Digest | null;
}

/** A push about to point a tag at another manifest (or create it). */
export interface TagMoveAdmission {
  tag: string;
  /** What the tag points at now; null: it does not exist yet. */
  from: Digest | null;
  to: Digest;
  /** The pushed manifest's `subject`; null when it is not a referrer. */
  subject: Digest | null;
}

/** A delete about to happen: one tag (`tag` set), or a manifest with every tag on it. */
export interface DeleteAdmission {
  /** The manifest deleted, or the one the deleted tag points at. */
  digest: Digest;
  /** That manifest's `subject`; null when it is not a referrer. */
  subject: Digest | null;
  /** Set for a tag delete (the manifest stays). */
  tag?: string;
  /** The tags that go: the one tag, or every tag pointing at the manifest. */
  tags: readonly string[];
}

/**
 * Policy checks the registry asks before content becomes visible or goes (quotas, provenance, tag
 * immutability). Each hook throws a RegistryError to refuse; absent hooks allow. The registry
 * makes the change only if what the hook was shown still holds (a tag is written compare-and-set),
 * so a check cannot be raced past.
 */
export interface Admission {
  /** A verified, stored blob is about to be linked into `repo` (upload or mount). */
  beforeLinkBlob?(repo: string, blob: { digest: Digest; size: number }): Promise<void>;
  /** A validated manifest is about to be stored in `repo`. */
  beforeManifest?(repo: string, manifest: ManifestAdmission): Promise<void>;
  /** A push is about to create a tag or point it at another digest (not called when it stays). */
  beforeTagMove?(repo: string, move: TagMoveAdmission): Promise<void>;
  /** A tag, or a manifest and its tags, is about to be deleted (any path: /v2, API, retention). */
  beforeDelete?(repo: string, target: DeleteAdmission): Promise<void>;
}

/** Runs every hook in order; the first refusal wins. */
export function combineAdmissions(...hooks: Admission[]): Admission {
  return {
    async beforeLinkBlob(repo, blob) {
      for (const h of hooks) await h.beforeLinkBlob?.(repo, blob);
    },
    async beforeManifest(repo, manifest) {
      for (const h of hooks) await h.beforeManifest?.(repo, manifest);
    },
    async beforeTagMove(repo, move) {
      for (const h of hooks) await h.beforeTagMove?.(repo, move);
    },
    async beforeDelete(repo, target) {
      for (const h of hooks) await h.beforeDelete?.(repo, target);
    },
  };
}
