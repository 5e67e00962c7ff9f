import type { Logger } from 'pino';
import type { MetaStore } from '../ports/meta-store.js';
import type { AccessService } from '../services/access/index.js';
import type { ImageVerifier } from '../services/admission/index.js';
import type { Eventing } from '../services/events/index.js';
import {
  PromotionService,
  RevokedDigests,
  revokedPulls,
  withRevocations,
} from '../services/promotion/index.js';
import type { Registry } from '../services/registry/index.js';
import type { SignedPullGate, SupplyChain } from '../services/supplychain/index.js';

export interface Promotion {
  service: PromotionService;
  /** Revoked digests first (412, in every repository), then the supply-chain gate. */
  pullGate: SignedPullGate;
  /** The admission verifier, refusing revoked digests. */
  verifier: (v: ImageVerifier) => ImageVerifier;
}

/**
 * Promotion with gates, rollback and revocation over the decorated registry (copies and tag moves
 * emit their events), the supply-chain checker (signature and attestation gates) and the revoked
 * set the pull gate and admission read (refreshed from the store every few seconds).
 */
export function composePromotion(o: {
  meta: MetaStore;
  registry: Registry;
  supplyChain: SupplyChain;
  access: AccessService;
  eventing: Eventing;
  log: Logger;
}): Promotion {
  const revoked = new RevokedDigests({
    store: o.meta.promotion,
    onStale: (err) => o.log.warn({ err }, 'revoked images not re-read; the last list read stays in use'),
  });
  const { checker } = o.supplyChain;
  const service = new PromotionService({
    store: o.meta.promotion,
    registry: o.registry,
    evidence: {
      signed: (repo, digest, keys) => checker.signed(repo, digest, keys),
      predicateTypes: async (repo, digest, keys) =>
        (await checker.statements(repo, digest, keys)).map((s) => s.predicateType),
    },
    supplyChain: async (project) => (await o.access.findProject(project))?.supplyChain,
    revoked,
    onDecision: (d) => void o.eventing.policyDecision(d),
  });
  const revokedGate = revokedPulls(
    revoked,
    (r) => void o.eventing.policyDecision({ policy: 'revoked', action: 'pull', ...r }),
  );
  return {
    service,
    pullGate: async (repo, reference, manifest, principal) => {
      await revokedGate(repo, reference, manifest);
      await o.supplyChain.pullGate(repo, reference, manifest, principal);
    },
    verifier: (v) => withRevocations(v, revoked),
  };
}
