import type { KeyObject } from 'node:crypto';
import { decodeBase64, isBase64Problem } from './base64.js';
import { type Envelope, envelopeFromJson } from './dsse.js';
import { SupplyChainError } from './errors.js';
import { isObject, parseJson } from './json.js';
import { keyHint } from './keys.js';
import { BUNDLE_MEDIA_TYPE } from './media.js';

/** A v0.3 Sigstore bundle in protobuf-JSON names, key-signed, with no transparency-log entry. */
export interface Bundle {
  mediaType: typeof BUNDLE_MEDIA_TYPE;
  verificationMaterial: { publicKey: { hint: string }; tlogEntries: never[] };
  dsseEnvelope: Envelope;
}

export interface ParsedBundle {
  mediaType: string;
  envelope: Envelope;
  /** verificationMaterial.publicKey.hint */
  hint?: string;
  /** DER of verificationMaterial.certificate (or the first of x509CertificateChain). */
  certificate?: Buffer;
  tlogEntries: number;
}

/**
 * Wraps a DSSE envelope as cosign v3 does for `--key` with no log: only spec fields, since
 * sigstore-go parses bundles with protojson, which rejects unknown ones.
 */
export function makeBundle(input: { envelope: Envelope; publicKey: KeyObject }): Bundle {
  const { payloadType, payload, signatures } = input.envelope;
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: keyHint(input.publicKey) }, tlogEntries: [] },
    dsseEnvelope: { payload, payloadType, signatures: signatures.map(({ sig, keyid }) => ({ sig, keyid })) },
  };
}

/** The serialised bundle (the blob of a bundle referrer's one layer). */
export function bundleBytes(bundle: Bundle): Buffer {
  return Buffer.from(JSON.stringify(bundle), 'utf8');
}

const MEDIA_TYPES = [
  BUNDLE_MEDIA_TYPE,
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
];

function invalid(message: string, cause?: unknown): SupplyChainError {
  return new SupplyChainError('BUNDLE_INVALID', message, cause === undefined ? {} : { cause });
}

function certificateOf(material: Record<string, unknown>): Buffer | undefined {
  const chain = isObject(material.x509CertificateChain)
    ? material.x509CertificateChain.certificates
    : undefined;
  const cert = isObject(material.certificate)
    ? material.certificate
    : Array.isArray(chain)
      ? chain[0]
      : undefined;
  if (!isObject(cert)) return undefined;
  const der = typeof cert.rawBytes === 'string' ? decodeBase64(cert.rawBytes) : 'invalid';
  if (isBase64Problem(der)) throw invalid('bundle certificate is not base64');
  return der;
}

/** Parses a bundle that carries a DSSE envelope; throws BUNDLE_INVALID otherwise. */
export function parseBundle(bytes: Uint8Array): ParsedBundle {
  const parsed = parseJson(bytes);
  if (!parsed.ok)
    throw invalid(parsed.truncated ? 'bundle is truncated' : `bundle is not JSON: ${parsed.message}`);
  const doc = parsed.value;
  if (!isObject(doc)) throw invalid('bundle is not a JSON object');
  if (typeof doc.mediaType !== 'string' || !MEDIA_TYPES.includes(doc.mediaType))
    throw invalid(`unsupported bundle mediaType: ${JSON.stringify(doc.mediaType)}`);
  const material = doc.verificationMaterial;
  if (!isObject(material)) throw invalid('bundle has no verificationMaterial');
  if (doc.dsseEnvelope === undefined)
    throw invalid(
      doc.messageSignature
        ? 'bundle holds a messageSignature, not a DSSE envelope'
        : 'bundle has no dsseEnvelope',
    );
  let envelope: Envelope;
  try {
    envelope = envelopeFromJson(doc.dsseEnvelope);
  } catch (err) {
    throw invalid(`bundle ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const hint = isObject(material.publicKey) ? material.publicKey.hint : undefined;
  const certificate = certificateOf(material);
  return {
    mediaType: doc.mediaType,
    envelope,
    ...(typeof hint === 'string' ? { hint } : {}),
    ...(certificate ? { certificate } : {}),
    tlogEntries: Array.isArray(material.tlogEntries) ? material.tlogEntries.length : 0,
  };
}
