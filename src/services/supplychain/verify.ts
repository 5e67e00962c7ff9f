import { createHash, type KeyObject } from 'node:crypto';
import type { Digest } from '../../oci/digest.js';
import {
  parsePublicKeys,
  type Statement,
  verifyAttestation,
  verifyBundle,
  verifySimpleSigning,
} from '../../supplychain/index.js';
import type { Attachment } from './attachments.js';

/** A project's trusted keys, parsed once per distinct set; `version` names the set (for cache keys). */
export interface TrustedKeys {
  keys: readonly KeyObject[];
  version: string;
}

const parsed = new Map<string, TrustedKeys>();

/**
 * The keys of stored PEM entries (validated on write, so a key that no longer parses is skipped
 * rather than failing every pull). Memoised by content: a settings change is a new version.
 */
export function trustedKeys(pems: readonly string[]): TrustedKeys {
  const version = createHash('sha256').update(pems.join('\n')).digest('hex').slice(0, 16);
  const hit = parsed.get(version);
  if (hit) return hit;
  const keys = pems.flatMap((pem) => {
    try {
      return parsePublicKeys(pem);
    } catch {
      return [];
    }
  });
  const entry = { keys, version };
  if (parsed.size >= 1000) parsed.clear();
  parsed.set(version, entry);
  return entry;
}

export type AttachmentVerdict =
  | { ok: true; keyIndex: number; predicateType: string | null; statement: Statement | null }
  | { ok: false; reason: string };

/** Whether the attachment's format carries a signature this library can check. */
export function isVerifiable(a: Attachment): boolean {
  return a.format === 'bundle' || a.format === 'simple-signing' || a.format === 'dsse';
}

/** One attachment's bytes, checked against the keys for `digest` (never throws). */
export function verifyAttachment(
  a: Attachment,
  bytes: Buffer,
  digest: Digest,
  keys: TrustedKeys,
): AttachmentVerdict {
  const publicKeys = keys.keys;
  if (a.format === 'simple-signing') {
    const v = verifySimpleSigning({ payload: bytes, signature: a.signature, digest, publicKeys });
    return v.ok ? { ok: true, keyIndex: v.keyIndex, predicateType: null, statement: null } : v;
  }
  if (a.format === 'bundle' || a.format === 'dsse') {
    const v =
      a.format === 'bundle'
        ? verifyBundle({ bundle: bytes, digest, publicKeys })
        : verifyAttestation({ envelope: bytes, digest, publicKeys });
    return v.ok
      ? { ok: true, keyIndex: v.keyIndex, predicateType: v.value.predicateType, statement: v.value }
      : v;
  }
  return { ok: false, reason: `${a.mediaType} carries no signature` };
}

/** The library's "no trusted key" reason, told with the project's key count. */
export function withKeyCount(reason: string, keys: TrustedKeys): string {
  const n = keys.keys.length;
  return reason.replace('any trusted key', `any of the project's ${n} trusted key${n === 1 ? '' : 's'}`);
}
