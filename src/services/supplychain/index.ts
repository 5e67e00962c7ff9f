import type { Digest } from '../../oci/digest.js';
import type { SupplyChainSettings } from '../../ports/access-store.js';
import type { MetaStore } from '../../ports/meta-store.js';
import { projectOf } from '../policy/project.js';
import type { BlobService, Registry } from '../registry/index.js';
import { AttachmentReader } from './attachments.js';
import { registryBlobReader } from './blob-reader.js';
import { SignatureChecker, type SignatureCheckerOptions, type VerifiedAttachment } from './checker.js';
import { withSignatureTracking } from './invalidation.js';
import { ProvenanceAtPush } from './provenance.js';
import { type SignedPullGate, type SignedPullsOptions, signedPulls } from './pull-gate.js';
import { trustedKeys } from './verify.js';

export {
  type Attachment,
  type AttachmentFormat,
  type AttachmentKind,
  AttachmentReader,
} from './attachments.js';
export { type BlobReader, registryBlobReader } from './blob-reader.js';
export { type Check, SignatureChecker, type VerifiedAttachment } from './checker.js';
export { ProvenanceAtPush } from './provenance.js';
export { type PullRefusal, type SignedPullGate, signedPulls } from './pull-gate.js';
export { checkSupplyChainSettings, SettingsError } from './settings.js';
export { tagMatches } from './tag-pattern.js';

export interface SupplyChainOptions
  extends Pick<SignatureCheckerOptions, 'okTtlMs' | 'failTtlMs' | 'maxEntries'>,
    Omit<SignedPullsOptions, 'checker'> {
  meta: MetaStore;
  /** The registry's blob service (signature layers are read as the repository sees them). */
  blobs: Pick<BlobService, 'open'>;
}

/** Registry-side enforcement of the projects' supply-chain rules, wired once (compose.ts). */
export interface SupplyChain {
  checker: SignatureChecker;
  /** Before a manifest is served (GET and HEAD): signed-only pulls. */
  pullGate: SignedPullGate;
  /** The admission hook for provenance at push. */
  provenanceAtPush: ProvenanceAtPush;
  /** The registry, forgetting cached verdicts when signatures are pushed or deleted. */
  track(registry: Registry): Registry;
  /** A manifest's signatures, attestations and SBOMs, verified against its project's trusted keys. */
  attachments(repo: string, digest: Digest): Promise<VerifiedAttachment[]>;
}

export function createSupplyChain(o: SupplyChainOptions): SupplyChain {
  const checker = new SignatureChecker({
    reader: new AttachmentReader(o.meta),
    blobs: registryBlobReader(o.blobs),
    ...(o.okTtlMs === undefined ? {} : { okTtlMs: o.okTtlMs }),
    ...(o.failTtlMs === undefined ? {} : { failTtlMs: o.failTtlMs }),
    ...(o.maxEntries === undefined ? {} : { maxEntries: o.maxEntries }),
  });
  const keysOf = async (repo: string) => {
    const rules: SupplyChainSettings | undefined = await o.rules(projectOf(repo));
    return rules && rules.trustedKeys.length > 0 ? trustedKeys(rules.trustedKeys) : null;
  };
  return {
    checker,
    pullGate: signedPulls({ ...o, checker }),
    provenanceAtPush: new ProvenanceAtPush({ checker, rules: o.rules }),
    track: (registry) => withSignatureTracking(registry, checker),
    attachments: async (repo, digest) => checker.attachments(repo, digest, await keysOf(repo)),
  };
}
export { type LocalImageVerifierOptions, localImageVerifier } from './image-verifier.js';
