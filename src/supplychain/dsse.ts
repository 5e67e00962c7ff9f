import type { KeyObject } from 'node:crypto';
import { type Base64Problem, decodeBase64, encodeBase64, isBase64Problem } from './base64.js';
import { SupplyChainError } from './errors.js';
import { isObject, parseJson } from './json.js';
import { signBytes } from './signing.js';

export interface EnvelopeSignature {
  keyid: string;
  sig: string;
}

/** A DSSE envelope as JSON carries it: `payload` and each `sig` are base64. */
export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: EnvelopeSignature[];
}

/** The DSSE v1 pre-authentication encoding: `DSSEv1 <len> <type> <len> <payload>`, byte lengths. */
export function pae(payloadType: string, payload: Uint8Array | string): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

/** Signs the PAE of the payload; `keyid` is empty, as cosign writes it. */
export function signEnvelope(
  privateKey: KeyObject,
  payloadType: string,
  payload: Uint8Array | string,
): Envelope {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return {
    payloadType,
    payload: encodeBase64(body),
    signatures: [{ keyid: '', sig: signBytes(privateKey, pae(payloadType, body)) }],
  };
}

/** The envelope's JSON bytes, fields in go-securesystemslib's order (the blob of a `.att` layer). */
export function envelopeBytes(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

function invalid(message: string): SupplyChainError {
  return new SupplyChainError('ENVELOPE_INVALID', message);
}

function base64Message(what: string, problem: Base64Problem): string {
  return problem === 'truncated' ? `DSSE ${what} is truncated` : `DSSE ${what} is not valid base64`;
}

/** Decodes the payload, or throws ENVELOPE_INVALID naming what is wrong with it. */
export function envelopePayload(envelope: Envelope): Buffer {
  const payload = decodeBase64(envelope.payload);
  if (isBase64Problem(payload)) throw invalid(base64Message('payload', payload));
  return payload;
}

function readSignature(v: unknown): EnvelopeSignature {
  if (!isObject(v) || typeof v.sig !== 'string') throw invalid('DSSE signature has no sig');
  if (v.keyid !== undefined && typeof v.keyid !== 'string')
    throw invalid('DSSE signature keyid is not a string');
  const sig = decodeBase64(v.sig);
  if (isBase64Problem(sig)) throw invalid(base64Message('signature', sig));
  return { keyid: v.keyid ?? '', sig: v.sig };
}

/** Validates an already-parsed envelope object (also the `dsseEnvelope` of a bundle). */
export function envelopeFromJson(v: unknown): Envelope {
  if (!isObject(v)) throw invalid('DSSE envelope is not a JSON object');
  if (typeof v.payloadType !== 'string') throw invalid('DSSE envelope has no payloadType');
  if (typeof v.payload !== 'string') throw invalid('DSSE envelope has no payload');
  if (!Array.isArray(v.signatures)) throw invalid('DSSE envelope has no signatures array');
  const envelope = {
    payloadType: v.payloadType,
    payload: v.payload,
    signatures: v.signatures.map(readSignature),
  };
  envelopePayload(envelope);
  return envelope;
}

/** Parses envelope JSON; throws ENVELOPE_INVALID (truncated, not JSON, bad base64, missing fields). */
export function parseEnvelope(bytes: Uint8Array): Envelope {
  const parsed = parseJson(bytes);
  if (!parsed.ok)
    throw invalid(
      parsed.truncated ? 'DSSE envelope is truncated' : `DSSE envelope is not JSON: ${parsed.message}`,
    );
  return envelopeFromJson(parsed.value);
}
