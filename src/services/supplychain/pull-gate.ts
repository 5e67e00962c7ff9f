import { tryParseDigest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import type { SupplyChainSettings } from '../../ports/access-store.js';
import type { ManifestRecord } from '../../ports/meta-store.js';
import type { Principal } from '../access/principal.js';
import { projectOf } from '../policy/project.js';
import { hasOnlySupplyChainLayers, isMarkedSupplyChainArtifact } from './artifacts.js';
import type { SignatureChecker } from './checker.js';
import { trustedKeys } from './verify.js';

/** A refused pull, for the audit log. */
export interface PullRefusal {
  repository: string;
  reference: string;
  digest: string;
  reason: string;
}

export interface SignedPullsOptions {
  checker: SignatureChecker;
  /** The project's rules (through the access service's short-lived cache); undefined: no such project. */
  rules: (project: string) => Promise<SupplyChainSettings | undefined>;
  /** Whether the principal may push to the repository: such principals may read by digest what they are about to sign. */
  mayPush: (principal: Principal, repo: string) => Promise<boolean>;
  /** Told about each refusal (POLICY_DECISION), inside the request. */
  onRefused?: (refusal: PullRefusal) => void;
}

/** The check run before a manifest is served (GET or HEAD); throws to refuse. */
export type SignedPullGate = (
  repo: string,
  reference: string,
  manifest: ManifestRecord,
  principal: Principal,
) => Promise<void>;

/**
 * Signed-only pulls: in a project with `requireSigned`, a manifest is served only when it is
 * signed by one of the project's trusted keys (see SignatureChecker.signed; a child of a signed
 * index counts), or is itself a signature, attestation or SBOM. Otherwise 412 DENIED with the reason.
 *
 * One exception, so that images can be signed at all: cosign reads the manifest it signs (by digest,
 * before the signature exists). A principal allowed to push to the repository may therefore read
 * an unsigned manifest by digest; pulls by tag are refused for everyone, and so is every pull by a
 * principal that may only pull (deployments, robots, anonymous).
 */
export function signedPulls(o: SignedPullsOptions): SignedPullGate {
  return async (repo, reference, manifest, principal) => {
    const project = projectOf(repo);
    const rules = await o.rules(project);
    if (!rules?.requireSigned || isMarkedSupplyChainArtifact(manifest, reference)) return;
    const keys = trustedKeys(rules.trustedKeys);
    const check =
      keys.keys.length === 0
        ? { ok: false as const, reason: `project ${project} trusts no key` }
        : await o.checker.signed(repo, manifest.digest, keys);
    if (check.ok || hasOnlySupplyChainLayers(manifest)) return;
    if (tryParseDigest(reference) && (await o.mayPush(principal, repo))) return;
    const reason = `project ${project} allows only signed images: ${check.reason}`;
    o.onRefused?.({ repository: repo, reference, digest: manifest.digest, reason });
    throw new RegistryError('DENIED', reason, {
      status: 412,
      detail: { policy: 'signed-images', project, digest: manifest.digest },
    });
  };
}
