import type { KeyObject } from 'node:crypto';
import { decodeBase64, isBase64Problem } from './base64.js';
import { parseBundle } from './bundle.js';
import { splitDigest } from './digest.js';
import { type Envelope, envelopePayload, pae, parseEnvelope } from './dsse.js';
import { IN_TOTO_PAYLOAD_TYPE } from './media.js';
import { verifyBytes } from './signing.js';
import { COSIGN_SIGNATURE_TYPE, parseSimpleSigning, type SimpleSigning } from './simple-signing.js';
import { parseStatement, predicateTypeFor, type Statement } from './statement.js';

/** The outcome of a verification; `keyIndex` is the trusted key that verified the signature. */
export type Verdict<T> = { ok: true; value: T; keyIndex: number } | { ok: false; reason: string };

const NO_KEY = 'signature does not verify with any trusted key';

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function keyFor(publicKeys: readonly KeyObject[], data: Uint8Array, sig: string): number {
  return publicKeys.findIndex((key) => verifyBytes(key, data, sig));
}

export interface SimpleSigningCheck {
  /** The layer blob: the exact bytes that were signed. */
  payload: Uint8Array;
  /** The layer's `dev.cosignproject.cosign/signature` annotation. */
  signature: string;
  /** The manifest digest the signature must be for. */
  digest: string;
  publicKeys: readonly KeyObject[];
  /** cosign verify `-a`: each must be present in `optional` with this value. */
  annotations?: Readonly<Record<string, string>>;
}

function annotationProblem(have: Record<string, unknown> | null, want: Readonly<Record<string, string>>) {
  for (const [key, value] of Object.entries(want)) {
    if (!have || !Object.hasOwn(have, key)) return `annotation "${key}" is missing`;
    if (have[key] !== value)
      return `annotation "${key}" is ${JSON.stringify(have[key])}, not ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** cosign verify for one legacy `.sig` layer: signature over the exact bytes, then the claims. */
export function verifySimpleSigning(check: SimpleSigningCheck): Verdict<SimpleSigning> {
  if (check.signature === '') return fail('signature is empty');
  const sig = decodeBase64(check.signature);
  if (isBase64Problem(sig))
    return fail(`signature is ${sig === 'truncated' ? 'truncated' : 'not valid base64'}`);
  const keyIndex = keyFor(check.publicKeys, check.payload, check.signature);
  if (keyIndex < 0) return fail(NO_KEY);
  let doc: SimpleSigning;
  try {
    doc = parseSimpleSigning(check.payload);
  } catch (err) {
    return fail(messageOf(err));
  }
  if (doc.type !== COSIGN_SIGNATURE_TYPE)
    return fail(`payload type is ${JSON.stringify(doc.type)}, not "${COSIGN_SIGNATURE_TYPE}"`);
  if (doc.digest !== check.digest) return fail(`payload is for ${doc.digest} not ${check.digest}`);
  const problem = annotationProblem(doc.annotations, check.annotations ?? {});
  return problem ? fail(problem) : { ok: true, value: doc, keyIndex };
}

export interface AttestationCheck {
  /** The `.att` layer blob (DSSE envelope JSON). */
  envelope: Uint8Array;
  digest: string;
  publicKeys: readonly KeyObject[];
  /** A predicateType URI or cosign short name (`slsaprovenance1`, `spdx`, …). */
  predicateType?: string;
}

function checkEnvelope(envelope: Envelope, check: Omit<AttestationCheck, 'envelope'>): Verdict<Statement> {
  const target = splitDigest(check.digest);
  if (!target) return fail(`not a digest: ${check.digest.slice(0, 100)}`);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return fail(`DSSE payloadType is ${JSON.stringify(envelope.payloadType)}, not "${IN_TOTO_PAYLOAD_TYPE}"`);
  if (envelope.signatures.length === 0) return fail('DSSE envelope has no signatures');
  const payload = envelopePayload(envelope);
  const signed = pae(envelope.payloadType, payload);
  const keyIndex = envelope.signatures
    .map((s) => keyFor(check.publicKeys, signed, s.sig))
    .find((i) => i >= 0);
  if (keyIndex === undefined) return fail(NO_KEY);
  let statement: Statement;
  try {
    statement = parseStatement(payload);
  } catch (err) {
    return fail(`DSSE payload is not an in-toto statement: ${messageOf(err)}`);
  }
  if (!statement.subject.some((s) => s.digest[target.algorithm] === target.hex))
    return fail(`statement subject does not name ${check.digest}`);
  if (check.predicateType !== undefined) {
    let wanted: string;
    try {
      wanted = predicateTypeFor(check.predicateType);
    } catch (err) {
      return fail(messageOf(err));
    }
    if (statement.predicateType !== wanted)
      return fail(`predicateType is ${JSON.stringify(statement.predicateType)}, not "${wanted}"`);
  }
  return { ok: true, value: statement, keyIndex };
}

/** cosign verify-attestation for one `.att` layer. */
export function verifyAttestation(check: AttestationCheck): Verdict<Statement> {
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(check.envelope);
  } catch (err) {
    return fail(messageOf(err));
  }
  return checkEnvelope(envelope, check);
}

export interface BundleCheck extends Omit<AttestationCheck, 'envelope'> {
  /** The bundle referrer's layer blob. */
  bundle: Uint8Array;
}

/** Verification of a v0.3 bundle by key: its DSSE envelope, checked as an attestation. */
export function verifyBundle(check: BundleCheck): Verdict<Statement> {
  let envelope: Envelope;
  try {
    envelope = parseBundle(check.bundle).envelope;
  } catch (err) {
    return fail(messageOf(err));
  }
  return checkEnvelope(envelope, check);
}
