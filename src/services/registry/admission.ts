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

/**
 * Policy checks the registry asks before content becomes visible (quotas now; size budgets and
 * signature requirements later). Each hook throws a RegistryError to refuse; absent hooks allow.
 */
export interface Admission {
  /** A verified, stored blob is about to be linked into `repo` (upload or mount). */
  beforeLinkBlob?(repo: string, blob: { digest: Digest; size: number }): Promise<void>;
  /** A validated manifest is about to be stored in `repo`. */
  beforeManifest?(repo: string, manifest: ManifestAdmission): Promise<void>;
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
  };
}
