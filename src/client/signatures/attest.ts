import type { KeyObject } from 'node:crypto';
import { digestHex } from '../../oci/digest.js';
import {
  envelopeBytes,
  envelopePayload,
  IN_TOTO_PAYLOAD_TYPE,
  makeStatement,
  PREDICATE_TYPES,
  parseEnvelope,
  parseStatement,
  predicateTypeFor,
  signEnvelope,
} from '../../supplychain/index.js';
import type { Descriptor } from '../manifest.js';
import { DSSE_MEDIA_TYPE, PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION } from './layout.js';
import type { AppendResult, ExistingLayer } from './legacy.js';
import type { ReferrerResult } from './referrer.js';
import { createdAt, pushBundle, type ReferrersMode } from './sign.js';
import type { SignatureStore } from './store.js';

export interface AttestOptions {
  store: SignatureStore;
  subject: Descriptor;
  /** `registry/repository`: the Statement subject's name, as cosign writes it. */
  dockerReference: string;
  privateKey: KeyObject;
  /** cosign's `--type`: a short name (slsaprovenance, spdx, custom…) or a URI. */
  type: string;
  /** The `--predicate` file's bytes. */
  predicate: Buffer;
  /** Drop `.att` layers with the same predicateType first. */
  replace?: boolean;
  mode?: ReferrersMode;
  now?: Date;
}

export interface AttestResult {
  digest: string;
  predicateType: string;
  legacy?: AppendResult;
  referrer?: ReferrerResult;
}

/** The predicateType and predicate for `--type`; `custom` wraps the file as `{Data, Timestamp}`. */
export function predicateFor(
  type: string,
  bytes: Buffer,
  now: Date,
): { predicateType: string; predicate: Record<string, unknown> } {
  const predicateType = predicateTypeFor(type);
  if (predicateType === PREDICATE_TYPES.custom) {
    return { predicateType, predicate: { Data: bytes.toString('utf8'), Timestamp: createdAt(now) } };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`the predicate is not JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error('the predicate must be a JSON object');
  }
  return { predicateType, predicate: doc as Record<string, unknown> };
}

/** cosign's ReplaceOp: the statement inside decides; the annotation only when it cannot be read. */
function samePredicateType(predicateType: string) {
  return async (e: ExistingLayer): Promise<boolean> => {
    try {
      return parseStatement(envelopePayload(parseEnvelope(await e.load()))).predicateType === predicateType;
    } catch {
      return e.descriptor.annotations?.[PREDICATE_TYPE_ANNOTATION] === predicateType;
    }
  };
}

/**
 * Attests an image as cosign does: a DSSE envelope over an in-toto Statement (subject name = the
 * repository, digest = the image's) as a layer of `sha256-<hex>.att` and/or as a bundle referrer.
 */
export async function attestImage(opts: AttestOptions): Promise<AttestResult> {
  const now = opts.now ?? new Date();
  const mode = opts.mode ?? 'both';
  const { predicateType, predicate } = predicateFor(opts.type, opts.predicate, now);
  const statement = makeStatement({
    subjects: [{ name: opts.dockerReference, digest: { sha256: digestHex(opts.subject.digest) } }],
    predicateType,
    predicate,
  });
  const result: AttestResult = { digest: opts.subject.digest, predicateType };
  if (mode !== 'oci-1-1') {
    const envelope = signEnvelope(
      opts.privateKey,
      IN_TOTO_PAYLOAD_TYPE,
      Buffer.from(JSON.stringify(statement)),
    );
    result.legacy = await opts.store.appendLegacy(
      opts.subject.digest,
      'att',
      {
        mediaType: DSSE_MEDIA_TYPE,
        bytes: envelopeBytes(envelope),
        annotations: { [PREDICATE_TYPE_ANNOTATION]: predicateType, [SIGNATURE_ANNOTATION]: '' },
      },
      opts.replace ? { replaces: samePredicateType(predicateType) } : {},
    );
  }
  if (mode !== 'legacy') {
    result.referrer = await pushBundle(
      opts.store,
      opts.subject,
      opts.privateKey,
      statement,
      predicateType,
      now,
    );
  }
  return result;
}
