import { type Digest, tryParseDigest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import type { ManifestRecord } from '../../ports/meta-store.js';
import type { PromotionStore, Revocation } from '../../ports/promotion-store.js';
import type { ImageVerifier } from '../admission/verifier.js';

export interface RevokedDigestsOptions {
  store: Pick<PromotionStore, 'revocations'>;
  /** How long the set read from the store is trusted before it is read again. Default 5 s. */
  refreshMs?: number;
  now?: () => number;
  /** Told when a reload fails and the last set read stays in use. */
  onStale?: (err: unknown) => void;
}

/**
 * The revoked digests, held in memory for the pull path: a manifest GET costs a Map lookup, and the
 * whole (small) table is read again at most every `refreshMs` (once, by whichever request finds it
 * stale; the others wait for that read). A revocation made on this replica applies at once; one
 * made on another replica applies here within `refreshMs`.
 */
export class RevokedDigests {
  private byDigest = new Map<string, Revocation>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(private readonly o: RevokedDigestsOptions) {
    this.refreshMs = o.refreshMs ?? 5_000;
    this.now = o.now ?? Date.now;
  }

  /** The revocation of `digest`, if it is revoked. */
  async get(digest: Digest): Promise<Revocation | undefined> {
    if (this.now() - this.loadedAt >= this.refreshMs) await this.reload();
    return this.byDigest.get(digest);
  }

  /** Reads the store now (after a change made here, so it applies at once). */
  reload(): Promise<void> {
    this.loading ??= (async () => {
      const started = this.now();
      try {
        const rows = await this.o.store.revocations();
        this.byDigest = new Map(rows.map((r) => [r.digest, r]));
        this.loadedAt = started;
      } catch (err) {
        // Never read: pulls cannot be checked, so they wait (503) rather than slip through. Read
        // before: the last set stays in use (a database blip must not turn every pull into an
        // error), and the next read is tried after another refreshMs.
        if (this.loadedAt === Number.NEGATIVE_INFINITY)
          throw new RegistryError('WHARF_ERR_UNAVAILABLE', 'revoked images cannot be checked now', {
            cause: err,
          });
        this.loadedAt = started;
        this.o.onStale?.(err);
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}

/** The sentence naming a revocation, for pulls, admission and promotion refusals. */
export function describeRevocation(r: Revocation): string {
  const via = r.parent ? ` (as part of index ${r.parent})` : '';
  return `${r.digest} was revoked${via} by ${r.actor.name} on ${r.at.toISOString()}: ${r.reason}`;
}

export function revokedError(r: Revocation, repo: string, status = 412): RegistryError {
  return new RegistryError('DENIED', `manifest ${describeRevocation(r)}`, {
    status,
    detail: {
      policy: 'revoked',
      repository: repo,
      digest: r.digest,
      parent: r.parent,
      reason: r.reason,
      revokedBy: r.actor.name,
      revokedAt: r.at.toISOString(),
    },
  });
}

/** Told about a refused pull of a revoked manifest (a POLICY_DECISION). */
export type OnRevokedPull = (refusal: { repository: string; reference: string; reason: string }) => void;

/** The pull gate: a revoked manifest is refused (412 DENIED) in every repository, by tag or digest. */
export function revokedPulls(revoked: RevokedDigests, onRefused?: OnRevokedPull) {
  return async (repo: string, reference: string, manifest: ManifestRecord): Promise<void> => {
    const r = await revoked.get(manifest.digest);
    if (!r) return;
    const err = revokedError(r, repo);
    onRefused?.({ repository: repo, reference, reason: err.message });
    throw err;
  };
}

/**
 * The admission verifier, refusing revoked digests: a tag resolving to one, and every signature or
 * attestation check of one, fail with the revocation's sentence (so a policy's verifyImages rule
 * denies the Pod and its message names the revocation).
 */
export function withRevocations(verifier: ImageVerifier, revoked: RevokedDigests): ImageVerifier {
  const revocationOf = async (digest: string) => {
    const d = tryParseDigest(digest);
    return d ? revoked.get(d) : undefined;
  };
  return {
    async resolve(image, signal) {
      const r = await verifier.resolve(image, signal);
      if ('error' in r) return r;
      const rev = await revocationOf(r.digest);
      return rev ? { error: `${image}: ${describeRevocation(rev)}` } : r;
    },
    async verifySignature(image, digest, keys, signal) {
      const rev = await revocationOf(digest);
      if (rev) return { ok: false, reason: describeRevocation(rev) };
      return verifier.verifySignature(image, digest, keys, signal);
    },
    async attestations(image, digest, keys, predicateType, signal) {
      const rev = await revocationOf(digest);
      if (rev) return { error: describeRevocation(rev) };
      return verifier.attestations(image, digest, keys, predicateType, signal);
    },
  };
}
