import { type Digest, tryParseDigest } from '../../oci/digest.js';
import { isRegistryError } from '../../oci/errors.js';
import type { SupplyChainSettings } from '../../ports/access-store.js';
import type { ManifestRecord } from '../../ports/meta-store.js';
import type { PromotionStore } from '../../ports/promotion-store.js';
import type { Registry } from '../registry/index.js';
import { notFound } from './errors.js';
import type { GateCheck, GateEvidence } from './gates.js';
import type { RevokedDigests } from './revocations.js';

/** A decision worth an event (POLICY_DECISION): promotions, refusals, revocations, rollbacks. */
export interface PromotionDecision {
  policy: 'promotion' | 'revocation' | 'rollback';
  action: string;
  repository: string;
  decision: 'allow' | 'deny';
  reason: string;
  detail: Record<string, unknown>;
}

export interface PromotionServiceOptions {
  store: PromotionStore;
  /** The decorated registry: copies, tag moves and revoked-* tags go through it, so events follow. */
  registry: Registry;
  /** Signatures and attestations, as the supply-chain checker verifies them. */
  evidence: GateEvidence;
  /** A project's supply-chain settings (its trusted keys); undefined: no such project. */
  supplyChain: (project: string) => Promise<SupplyChainSettings | undefined>;
  revoked: RevokedDigests;
  /** Gates beyond the built-in ones (a vulnerability gate), run after them. */
  checks?: readonly GateCheck[];
  /** Blobs above this size are copied in chunks (LocalImage). Default 16 MiB. */
  chunkSize?: number;
  /** How long a repeated promotion waits for a concurrent one's copy to finish. Default 60 s. */
  settleTimeoutMs?: number;
  onDecision?: (d: PromotionDecision) => void;
}

const ABSENT = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);

/** The stored manifest a reference names, or undefined when there is none. */
export async function manifestOrAbsent(
  registry: Registry,
  repo: string,
  reference: string,
): Promise<ManifestRecord | undefined> {
  try {
    return await registry.manifests.get(repo, reference);
  } catch (err) {
    if (isRegistryError(err) && ABSENT.has(err.code)) return undefined;
    throw err;
  }
}

/** The stored manifest a reference names, or 404 naming it. */
export async function artifactOf(
  registry: Registry,
  repo: string,
  reference: string,
): Promise<ManifestRecord> {
  const m = await manifestOrAbsent(registry, repo, reference);
  const name = `${repo}${tryParseDigest(reference) ? '@' : ':'}${reference}`;
  if (!m) throw notFound(`artifact ${name} not found`, { repository: repo, reference });
  return m;
}

export type { Digest };
