import { RegistryError } from '../../oci/errors.js';
import type { SupplyChainSettings } from '../../ports/access-store.js';
import { projectOf } from '../policy/project.js';
import type { Admission, ManifestAdmission } from '../registry/admission.js';
import { isCosignTag } from './artifacts.js';
import type { SignatureChecker } from './checker.js';
import { tagMatches } from './tag-pattern.js';
import { trustedKeys } from './verify.js';

export interface ProvenanceAtPushOptions {
  checker: SignatureChecker;
  rules: (project: string) => Promise<SupplyChainSettings | undefined>;
}

/**
 * Provenance at push: a manifest put under a tag matching the project's `provenanceTagPattern` is
 * refused (403 DENIED, naming the rule) unless its digest carries a SLSA provenance attestation
 * (v1 or v0.2) signed by a trusted key, as a bundle referrer or in the `.att` tag. Attestations
 * attach to a digest, so the flow is: push by digest, attest, then tag. cosign's own tags and
 * referrers (manifests with a subject) are never refused, and pushes by digest are not checked.
 */
export class ProvenanceAtPush implements Admission {
  constructor(private readonly o: ProvenanceAtPushOptions) {}

  async beforeManifest(repo: string, m: ManifestAdmission): Promise<void> {
    if (m.tag === undefined || isCosignTag(m.tag) || m.subject) return;
    const project = projectOf(repo);
    const rules = await this.o.rules(project);
    const pattern = rules?.provenanceTagPattern;
    if (!rules || !pattern || !tagMatches(pattern, m.tag)) return;
    const check = await this.o.checker.provenance(repo, m.digest, trustedKeys(rules.trustedKeys));
    if (check.ok) return;
    throw new RegistryError(
      'DENIED',
      `tag ${m.tag} matches the provenance rule of project ${project} (${pattern}): ${check.reason}; ` +
        'push by digest, attest that digest, then tag it',
      { detail: { policy: 'provenance', project, tag: m.tag, pattern, digest: m.digest } },
    );
  }
}
