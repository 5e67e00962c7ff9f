import type { KeyObject } from 'node:crypto';
import { digestHex } from '../../oci/digest.js';
import {
  bundleBytes,
  IN_TOTO_PAYLOAD_TYPE,
  makeBundle,
  makeStatement,
  publicKeyFromPrivate,
  signBytes,
  signEnvelope,
  simpleSigningPayload,
  verifyBytes,
} from '../../supplychain/index.js';
import type { Descriptor } from '../manifest.js';
import {
  BUNDLE_CONTENT_ANNOTATION,
  BUNDLE_MEDIA_TYPE,
  BUNDLE_PREDICATE_TYPE_ANNOTATION,
  COSIGN_SIGN_PREDICATE_TYPE,
  CREATED_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from './layout.js';
import type { AppendResult, ExistingLayer } from './legacy.js';
import type { ReferrerResult } from './referrer.js';
import type { SignatureStore } from './store.js';

/** Where signatures go: the `.sig` tag, a bundle referrer, or both (the default). */
export type ReferrersMode = 'legacy' | 'oci-1-1' | 'both';

export interface SignOptions {
  store: SignatureStore;
  /** The image, as a HEAD of it answered. */
  subject: Descriptor;
  /** `registry/repository`, the simple-signing `docker-reference`. */
  dockerReference: string;
  privateKey: KeyObject;
  annotations?: Record<string, string>;
  mode?: ReferrersMode;
  now?: Date;
}

export interface SignResult {
  digest: string;
  legacy?: AppendResult;
  referrer?: ReferrerResult;
}

/** `2026-01-02T03:04:05Z`, as cosign writes `org.opencontainers.image.created`. */
export function createdAt(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A bundle referrer's annotations (spec §1b). */
export function bundleAnnotations(predicateType: string, now: Date): Record<string, string> {
  return {
    [BUNDLE_CONTENT_ANNOTATION]: 'dsse-envelope',
    [BUNDLE_PREDICATE_TYPE_ANNOTATION]: predicateType,
    [CREATED_ANNOTATION]: createdAt(now),
  };
}

/** Signs a Statement with DSSE and pushes the bundle as a referrer of `subject`. */
export async function pushBundle(
  store: SignatureStore,
  subject: Descriptor,
  privateKey: KeyObject,
  statement: object,
  predicateType: string,
  now: Date,
): Promise<ReferrerResult> {
  const envelope = signEnvelope(privateKey, IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)));
  const bundle = bundleBytes(makeBundle({ envelope, publicKey: publicKeyFromPrivate(privateKey) }));
  return store.putReferrer({
    subject,
    artifactType: BUNDLE_MEDIA_TYPE,
    layer: { mediaType: BUNDLE_MEDIA_TYPE, bytes: bundle },
    annotations: bundleAnnotations(predicateType, now),
  });
}

/** cosign's dupe detector: an existing layer over the same payload that verifies with our key. */
function sameSigner(payload: Buffer, publicKey: KeyObject) {
  return async (e: ExistingLayer): Promise<boolean> => {
    const sig = e.descriptor.annotations?.[SIGNATURE_ANNOTATION];
    if (e.descriptor.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE || !sig) return false;
    const bytes = await e.load();
    return bytes.equals(payload) && verifyBytes(publicKey, payload, sig);
  };
}

/**
 * Signs an image as cosign does: a simple-signing layer in `sha256-<hex>.sig` (skipped when this key
 * already signed the same payload) and/or a v3 bundle referrer — DSSE over a Statement with
 * predicateType `https://sigstore.dev/cosign/sign/v1` and an empty predicate.
 */
export async function signImage(opts: SignOptions): Promise<SignResult> {
  const mode = opts.mode ?? 'both';
  const now = opts.now ?? new Date();
  const annotations =
    opts.annotations && Object.keys(opts.annotations).length > 0 ? opts.annotations : undefined;
  const result: SignResult = { digest: opts.subject.digest };
  if (mode !== 'oci-1-1') {
    const payload = simpleSigningPayload({
      dockerReference: opts.dockerReference,
      digest: opts.subject.digest,
      ...(annotations ? { annotations } : {}),
    });
    result.legacy = await opts.store.appendLegacy(
      opts.subject.digest,
      'sig',
      {
        mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
        bytes: payload,
        annotations: { [SIGNATURE_ANNOTATION]: signBytes(opts.privateKey, payload) },
      },
      { isDuplicate: sameSigner(payload, publicKeyFromPrivate(opts.privateKey)) },
    );
  }
  if (mode !== 'legacy') {
    const statement = makeStatement({
      subjects: [
        { digest: { sha256: digestHex(opts.subject.digest) }, ...(annotations ? { annotations } : {}) },
      ],
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      predicate: {},
    });
    result.referrer = await pushBundle(
      opts.store,
      opts.subject,
      opts.privateKey,
      statement,
      COSIGN_SIGN_PREDICATE_TYPE,
      now,
    );
  }
  return result;
}
