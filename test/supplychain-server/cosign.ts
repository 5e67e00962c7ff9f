import type { KeyObject } from 'node:crypto';
import type { RegistryClient } from '../../src/client/index.js';
import { type Digest, digestOf } from '../../src/oci/digest.js';
import {
  BUNDLE_MEDIA_TYPE,
  bundleBytes,
  COSIGN_SIGN_PREDICATE_TYPE,
  cosignTag,
  DSSE_MEDIA_TYPE,
  EMPTY_JSON_DIGEST,
  EMPTY_JSON_MEDIA_TYPE,
  envelopeBytes,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  makeBundle,
  makeStatement,
  PREDICATE_TYPE_ANNOTATION,
  publicKeyPem,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  signBytes,
  signEnvelope,
  simpleSigningPayload,
  slsaProvenanceV1,
} from '../../src/supplychain/index.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';

/** Test fixtures that write what cosign writes (spec §1a–1c), built with src/supplychain/. */

export const ADMIN: [string, string] = ['admin', ADMIN_PASSWORD];
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

export interface Signer {
  privateKey: KeyObject;
  publicKey: KeyObject;
  pem: string;
}

export function newSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPair();
  return { privateKey, publicKey, pem: publicKeyPem(publicKey) };
}

export interface Pushable {
  /** Blobs to upload first. */
  blobs: Buffer[];
  manifest: Buffer;
}

async function upload(client: RegistryClient, repo: string, bytes: Buffer): Promise<Digest> {
  const digest = digestOf(bytes);
  if (!(await client.blobExists(repo, digest)))
    await client.uploadBlob(repo, { digest, size: bytes.length }, bytes);
  return digest;
}

/** Uploads the blobs, then puts the manifest under `ref` (a tag, or its digest when omitted). */
export async function pushObject(
  client: RegistryClient,
  repo: string,
  p: Pushable,
  ref?: string,
): Promise<Digest> {
  for (const b of p.blobs) await upload(client, repo, b);
  return client.putManifest(repo, ref ?? digestOf(p.manifest), p.manifest, OCI_MANIFEST);
}

const desc = (bytes: Buffer, mediaType: string, extra: Record<string, unknown> = {}) => {
  return { mediaType, digest: digestOf(bytes), size: bytes.length, ...extra };
};

/** A legacy `.sig`/`.att` manifest: ggcr's empty-image config naming the layers. */
async function tagManifest(
  layers: { bytes: Buffer; mediaType: string; annotations: Record<string, string> }[],
) {
  const layerDescs = layers.map((l) => desc(l.bytes, l.mediaType, { annotations: l.annotations }));
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layerDescs.map((d) => d.digest) },
      config: {},
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: desc(config, OCI_CONFIG),
      layers: layerDescs,
    }),
  );
  return { blobs: [config, ...layers.map((l) => l.bytes)], manifest };
}

/** `cosign sign --new-bundle-format=false`: the `.sig` manifest with one simple-signing layer per signer. */
export async function simpleSignature(
  repo: string,
  digest: string,
  signers: Signer[],
  opts: { payloadDigest?: string; tamper?: boolean } = {},
): Promise<Pushable> {
  const layers = signers.map((s) => {
    const payload = simpleSigningPayload({
      dockerReference: `localhost/${repo}`,
      digest: opts.payloadDigest ?? digest,
    });
    const signature = signBytes(s.privateKey, payload);
    // Tampered: the payload changes after signing (the digest claim stays right).
    const bytes = opts.tamper
      ? Buffer.from(payload.toString().replace('"optional":null', '"optional":{"x":"y"}'))
      : payload;
    return {
      bytes,
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      annotations: { [SIGNATURE_ANNOTATION]: signature },
    };
  });
  return tagManifest(layers);
}

function statementBytes(digest: string, predicateType: string, predicate: Record<string, unknown>): Buffer {
  const hex = digest.slice('sha256:'.length);
  const statement = makeStatement({
    subjects: [{ digest: { sha256: hex } }],
    predicateType,
    predicate: predicate as never,
  });
  return Buffer.from(JSON.stringify(statement));
}

export const SLSA_V1 = 'https://slsa.dev/provenance/v1';

export function provenancePredicate(): Record<string, unknown> {
  return slsaProvenanceV1({
    builderId: 'https://ci.example.com/builder',
    buildType: 'https://ci.example.com/build/v1',
    externalParameters: { repository: 'https://git.example.com/app' },
  }) as unknown as Record<string, unknown>;
}

/** `cosign attest --new-bundle-format=false`: the `.att` manifest with one DSSE layer. */
export async function attestationTag(
  digest: string,
  signer: Signer,
  predicateType: string,
  predicate: Record<string, unknown>,
): Promise<Pushable> {
  const envelope = signEnvelope(
    signer.privateKey,
    IN_TOTO_PAYLOAD_TYPE,
    statementBytes(digest, predicateType, predicate),
  );
  return tagManifest([
    {
      bytes: envelopeBytes(envelope),
      mediaType: DSSE_MEDIA_TYPE,
      annotations: { [PREDICATE_TYPE_ANNOTATION]: predicateType, [SIGNATURE_ANNOTATION]: '' },
    },
  ]);
}

/** `cosign attach sbom` (deprecated): the `.sbom` manifest with the raw, unsigned SPDX document. */
export async function sbomTag(): Promise<Pushable> {
  const doc = Buffer.from(
    JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'app' }),
  );
  return tagManifest([{ bytes: doc, mediaType: 'text/spdx+json', annotations: {} }]);
}

/** cosign v3 `sign` / `attest`: a bundle referrer of the subject (DSSE over a statement). */
export async function bundleReferrer(
  subject: { digest: string; size: number; mediaType?: string },
  signer: Signer,
  predicateType = COSIGN_SIGN_PREDICATE_TYPE,
  predicate: Record<string, unknown> = {},
): Promise<Pushable> {
  const envelope = signEnvelope(
    signer.privateKey,
    IN_TOTO_PAYLOAD_TYPE,
    statementBytes(subject.digest, predicateType, predicate),
  );
  const bundle = bundleBytes(makeBundle({ envelope, publicKey: signer.publicKey }));
  const empty = Buffer.from('{}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: BUNDLE_MEDIA_TYPE,
      config: { mediaType: EMPTY_JSON_MEDIA_TYPE, digest: EMPTY_JSON_DIGEST, size: 2 },
      layers: [desc(bundle, BUNDLE_MEDIA_TYPE)],
      subject: { mediaType: subject.mediaType ?? OCI_MANIFEST, digest: subject.digest, size: subject.size },
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': predicateType,
      },
    }),
  );
  return { blobs: [empty, bundle], manifest };
}

export { refusal } from '../helpers/refusal.js';
export { cosignTag };
