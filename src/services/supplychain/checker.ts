import type { Digest } from '../../oci/digest.js';
import { cosignTag, type Statement } from '../../supplychain/index.js';
import { TtlCache } from '../registry/ttl-cache.js';
import { type Attachment, type AttachmentReader, describeAttachment } from './attachments.js';
import type { BlobReader } from './blob-reader.js';
import {
  type AttachmentVerdict,
  isVerifiable,
  type TrustedKeys,
  verifyAttachment,
  withKeyCount,
} from './verify.js';

/** The outcome of a check: what satisfied it, or why nothing did (a sentence for the client). */
export type Check = { ok: true; via: string } | { ok: false; reason: string };

/** A located attachment with its verification (null: not checked: no keys, or nothing to verify). */
export interface VerifiedAttachment extends Attachment {
  verified: boolean | null;
  /** Why it does not verify; null when it does or was not checked. */
  reason: string | null;
}

export const SLSA_PROVENANCE_TYPES: readonly string[] = [
  'https://slsa.dev/provenance/v1',
  'https://slsa.dev/provenance/v0.2',
];

/** Signature and attestation layers are small; anything larger is not read. */
const MAX_LAYER_BYTES = 4 * 1024 * 1024;
/** Indexes looked at when a child manifest is not signed itself. */
const MAX_PARENTS = 20;

export interface SignatureCheckerOptions {
  reader: AttachmentReader;
  blobs: BlobReader;
  /** How long a passing verdict is reused. Default 60 s. */
  okTtlMs?: number;
  /** How long a failing verdict is reused (short: "sign, then pull" on another replica). Default 5 s. */
  failTtlMs?: number;
  /** Default 10 000 of each. */
  maxEntries?: number;
}

type Purpose = 'own' | 'signed' | 'provenance';

/**
 * Answers "is this manifest signed by a trusted key" and "does it carry a SLSA provenance
 * attestation signed by one" from what is stored in the repository itself (referrers and cosign
 * tags), verified with supplychain/. Verdicts are cached per (repository, digest, key set) for a
 * short time; `changed(repo)` forgets a repository's verdicts when a signature is pushed or deleted.
 */
export class SignatureChecker {
  private readonly passed: TtlCache<Check>;
  private readonly failed: TtlCache<Check>;
  private readonly inflight = new Map<string, Promise<Check>>();
  /** Bumped by every change, so a verdict computed across one is not cached. */
  private generation = 0;

  constructor(private readonly o: SignatureCheckerOptions) {
    this.passed = new TtlCache(o.okTtlMs ?? 60_000, o.maxEntries ?? 10_000);
    this.failed = new TtlCache(o.failTtlMs ?? 5_000, o.maxEntries ?? 10_000);
  }

  /**
   * Signed by a trusted key: a Sigstore bundle referrer or a `.sig` layer that verifies for this
   * digest; or, for a child of a multi-platform image, an index in the repository listing it that is.
   */
  signed(repo: string, digest: Digest, keys: TrustedKeys): Promise<Check> {
    return this.cached('signed', repo, digest, keys, async () => {
      const own = await this.ownSignature(repo, digest, keys);
      if (own.ok) return own;
      for (const parent of (await this.o.reader.parents(repo, digest)).slice(0, MAX_PARENTS)) {
        const p = await this.ownSignature(repo, parent, keys);
        if (p.ok) return { ok: true, via: `index ${parent}: ${p.via}` };
      }
      return own;
    });
  }

  /** A SLSA provenance (v1 or v0.2) attestation for this digest, signed by a trusted key. */
  provenance(repo: string, digest: Digest, keys: TrustedKeys): Promise<Check> {
    return this.cached('provenance', repo, digest, keys, async () => {
      const found = (await this.o.reader.list(repo, digest)).filter(
        (a) => a.format === 'bundle' || a.format === 'dsse',
      );
      const failures: string[] = [];
      for (const a of found) {
        const v = await this.verify(repo, digest, a, keys);
        if (v.ok && v.predicateType && SLSA_PROVENANCE_TYPES.includes(v.predicateType))
          return { ok: true, via: describeAttachment(a) };
        if (v.ok)
          failures.push(`${describeAttachment(a)}: a ${v.predicateType} attestation, not SLSA provenance`);
        else failures.push(`${describeAttachment(a)}: ${withKeyCount(v.reason, keys)}`);
      }
      if (failures.length === 0) {
        const att = cosignTag(digest, 'att');
        return fail(`no SLSA provenance attestation for ${digest} (looked for referrers and ${att})`);
      }
      return fail(`no valid SLSA provenance attestation for ${digest}: ${summary(failures)}`);
    });
  }

  /**
   * The in-toto statements attached to `digest` (bundle referrers and `.att` layers) whose signature
   * verifies with one of the keys and whose subject names the digest: what admission conditions read.
   */
  async statements(repo: string, digest: Digest, keys: TrustedKeys): Promise<Statement[]> {
    const out: Statement[] = [];
    for (const a of await this.o.reader.list(repo, digest)) {
      if (a.format !== 'bundle' && a.format !== 'dsse') continue;
      const v = await this.verify(repo, digest, a, keys);
      if (v.ok && v.statement) out.push(v.statement);
    }
    return out;
  }

  /** Every attachment of the manifest, verified when keys are given (the API's artifact view; not cached). */
  async attachments(repo: string, digest: Digest, keys: TrustedKeys | null): Promise<VerifiedAttachment[]> {
    const out: VerifiedAttachment[] = [];
    for (const a of await this.o.reader.list(repo, digest)) {
      if (!keys || keys.keys.length === 0 || !isVerifiable(a)) {
        out.push({ ...a, verified: null, reason: null });
        continue;
      }
      const v = await this.verify(repo, digest, a, keys);
      out.push(
        v.ok
          ? { ...a, predicateType: v.predicateType ?? a.predicateType, verified: true, reason: null }
          : { ...a, verified: false, reason: withKeyCount(v.reason, keys) },
      );
    }
    return out;
  }

  /** A signature or attestation in the repository was pushed or deleted: its verdicts are stale. */
  changed(repo: string): void {
    this.generation++;
    this.passed.deletePrefix(`${repo}\0`);
    this.failed.deletePrefix(`${repo}\0`);
    for (const key of this.inflight.keys()) if (key.startsWith(`${repo}\0`)) this.inflight.delete(key);
  }

  private async ownSignature(repo: string, digest: Digest, keys: TrustedKeys): Promise<Check> {
    return this.cached('own', repo, digest, keys, async () => {
      const found = (await this.o.reader.list(repo, digest)).filter(
        (a) => a.format === 'bundle' || a.format === 'simple-signing',
      );
      if (found.length === 0) {
        const sig = cosignTag(digest, 'sig');
        return fail(`no signature for ${digest} (looked for referrers and ${sig})`);
      }
      const failures: string[] = [];
      for (const a of found) {
        const v = await this.verify(repo, digest, a, keys);
        if (v.ok) return { ok: true, via: describeAttachment(a) };
        failures.push(`${withKeyCount(v.reason, keys)} (${describeAttachment(a)})`);
      }
      return fail(
        failures.length === 1
          ? (failures[0] ?? '')
          : `no valid signature for ${digest}: ${summary(failures)}`,
      );
    });
  }

  private async verify(
    repo: string,
    digest: Digest,
    a: Attachment,
    keys: TrustedKeys,
  ): Promise<AttachmentVerdict> {
    if (!a.layer) return { ok: false, reason: `${a.mediaType} carries no signature` };
    let bytes: Buffer;
    try {
      bytes = await this.o.blobs.read(repo, a.layer, MAX_LAYER_BYTES);
    } catch (err) {
      return {
        ok: false,
        reason: `layer ${a.layer} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    return verifyAttachment(a, bytes, digest, keys);
  }

  /** One computation per key at a time; the result kept unless a change happened meanwhile. */
  private async cached(
    purpose: Purpose,
    repo: string,
    digest: Digest,
    keys: TrustedKeys,
    compute: () => Promise<Check>,
  ): Promise<Check> {
    const key = `${repo}\0${purpose}\0${digest}\0${keys.version}`;
    const hit = this.passed.get(key) ?? this.failed.get(key);
    if (hit) return hit;
    const running = this.inflight.get(key);
    if (running) return running;
    const generation = this.generation;
    const work = compute();
    this.inflight.set(key, work);
    try {
      const result = await work;
      if (generation === this.generation) (result.ok ? this.passed : this.failed).set(key, result);
      return result;
    } finally {
      if (this.inflight.get(key) === work) this.inflight.delete(key);
    }
  }
}

function fail(reason: string): Check {
  return { ok: false, reason };
}

function summary(failures: string[]): string {
  const shown = failures.slice(0, 3).join('; ');
  return failures.length > 3 ? `${shown}; and ${failures.length - 3} more` : shown;
}
