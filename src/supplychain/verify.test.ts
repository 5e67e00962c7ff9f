import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bundleBytes, makeBundle } from './bundle.js';
import { type Envelope, envelopeBytes, signEnvelope } from './dsse.js';
import { generateKeyPair } from './keys.js';
import { BUNDLE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE } from './media.js';
import { signBytes } from './signing.js';
import { simpleSigningPayload } from './simple-signing.js';
import { makeStatement } from './statement.js';
import { type Verdict, verifyAttestation, verifyBundle, verifySimpleSigning } from './verify.js';

const signer = generateKeyPair();
const other = generateKeyPair();
const hexA = 'a1'.repeat(32);
const hexB = 'b2'.repeat(32);
const digestA = `sha256:${hexA}`;
const digestB = `sha256:${hexB}`;
const NO_KEY = 'signature does not verify with any trusted key';

function reason<T>(v: Verdict<T>): string {
  return v.ok ? 'ok' : v.reason;
}

describe('verifySimpleSigning', () => {
  const payload = simpleSigningPayload({
    dockerReference: 'reg.example/app',
    digest: digestA,
    annotations: { env: 'prod' },
  });
  const signature = signBytes(signer.privateKey, payload);
  const base = { payload, signature, digest: digestA, publicKeys: [other.publicKey, signer.publicKey] };

  it('verifies the exact bytes and reports which key', () => {
    const v = verifySimpleSigning({ ...base, annotations: { env: 'prod' } });
    expect(v).toEqual({
      ok: true,
      keyIndex: 1,
      value: {
        dockerReference: 'reg.example/app',
        digest: digestA,
        type: 'cosign container image signature',
        annotations: { env: 'prod' },
      },
    });
  });

  it('verifies a payload written in another field order (the bytes are what count)', () => {
    const reordered = Buffer.from(
      `{"optional":null,"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":"${digestA}"},"identity":{"docker-reference":"x/y"}}}`,
    );
    const v = verifySimpleSigning({
      ...base,
      payload: reordered,
      signature: signBytes(signer.privateKey, reordered),
    });
    expect(v.ok).toBe(true);
  });

  it('tampered payload: one byte changed', () => {
    const tampered = Buffer.from(payload);
    tampered[tampered.length - 3] = 0x58;
    expect(reason(verifySimpleSigning({ ...base, payload: tampered }))).toBe(NO_KEY);
  });

  it('altered digest in the payload, signature kept', () => {
    const altered = Buffer.from(payload.toString().replace(hexA, hexB));
    expect(reason(verifySimpleSigning({ ...base, payload: altered, digest: digestB }))).toBe(NO_KEY);
  });

  it('wrong key', () => {
    expect(reason(verifySimpleSigning({ ...base, publicKeys: [other.publicKey] }))).toBe(NO_KEY);
    expect(reason(verifySimpleSigning({ ...base, publicKeys: [] }))).toBe(NO_KEY);
  });

  it('a valid signature for another digest', () => {
    expect(reason(verifySimpleSigning({ ...base, digest: digestB }))).toBe(
      `payload is for ${digestA} not ${digestB}`,
    );
  });

  it('bad, truncated or empty base64 signature', () => {
    expect(
      reason(verifySimpleSigning({ ...base, signature: `${signature.slice(0, 10)}*${signature.slice(11)}` })),
    ).toBe('signature is not valid base64');
    const bare = signature.replace(/=+$/, '');
    const truncated = bare.slice(0, bare.length - ((bare.length % 4) + 3));
    expect(reason(verifySimpleSigning({ ...base, signature: truncated }))).toBe('signature is truncated');
    expect(reason(verifySimpleSigning({ ...base, signature: bare.slice(0, 40) }))).toBe(NO_KEY);
    expect(reason(verifySimpleSigning({ ...base, signature: bare }))).toBe('ok');
    expect(reason(verifySimpleSigning({ ...base, signature: '' }))).toBe('signature is empty');
  });

  it('a signed payload of another type', () => {
    const foreign = Buffer.from(
      payload.toString().replace('cosign container image signature', 'atomic container signature'),
    );
    const v = verifySimpleSigning({
      ...base,
      payload: foreign,
      signature: signBytes(signer.privateKey, foreign),
    });
    expect(reason(v)).toBe(
      'payload type is "atomic container signature", not "cosign container image signature"',
    );
  });

  it('a signed payload that is not simple-signing', () => {
    const junk = Buffer.from('{"hello":"world"}');
    const v = verifySimpleSigning({ ...base, payload: junk, signature: signBytes(signer.privateKey, junk) });
    expect(reason(v)).toBe('payload has no critical section');
  });

  it('annotation missing or different', () => {
    expect(reason(verifySimpleSigning({ ...base, annotations: { team: 'core' } }))).toBe(
      'annotation "team" is missing',
    );
    expect(reason(verifySimpleSigning({ ...base, annotations: { env: 'dev' } }))).toBe(
      'annotation "env" is "prod", not "dev"',
    );
    const bare = simpleSigningPayload({ dockerReference: 'reg.example/app', digest: digestA });
    const v = verifySimpleSigning({
      ...base,
      payload: bare,
      signature: signBytes(signer.privateKey, bare),
      annotations: { env: 'prod' },
    });
    expect(reason(v)).toBe('annotation "env" is missing');
  });
});

function statementFor(hex: string, predicateType = 'https://slsa.dev/provenance/v1'): Buffer {
  const s = makeStatement({
    subjects: [{ name: 'reg.example/app', digest: { sha256: hex } }],
    predicateType,
    predicate: { x: 1 },
  });
  return Buffer.from(JSON.stringify(s));
}

function attest(key: KeyObject, payload: Buffer, payloadType = IN_TOTO_PAYLOAD_TYPE): Envelope {
  return signEnvelope(key, payloadType, payload);
}

describe('verifyAttestation', () => {
  const envelope = attest(signer.privateKey, statementFor(hexA));
  const base = { envelope: envelopeBytes(envelope), digest: digestA, publicKeys: [signer.publicKey] };

  it('verifies and returns the Statement', () => {
    const v = verifyAttestation({ ...base, predicateType: 'https://slsa.dev/provenance/v1' });
    expect(v.ok && v.value.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(v.ok && v.keyIndex).toBe(0);
    expect(verifyAttestation({ ...base, predicateType: 'slsaprovenance1' }).ok).toBe(true);
  });

  it('any one good signature among several, with any trusted key', () => {
    const bad = { keyid: 'x', sig: signBytes(other.privateKey, Buffer.from('nope')) };
    const multi = { ...envelope, signatures: [bad, ...envelope.signatures] };
    const v = verifyAttestation({
      ...base,
      envelope: envelopeBytes(multi),
      publicKeys: [other.publicKey, signer.publicKey],
    });
    expect(v.ok && v.keyIndex).toBe(1);
  });

  it('tampered payload', () => {
    const tampered = { ...envelope, payload: statementFor(hexB).toString('base64') };
    expect(reason(verifyAttestation({ ...base, envelope: envelopeBytes(tampered), digest: digestB }))).toBe(
      NO_KEY,
    );
  });

  it('wrong key', () => {
    expect(reason(verifyAttestation({ ...base, publicKeys: [other.publicKey] }))).toBe(NO_KEY);
  });

  it('signature over a different payloadType (the PAE binds it)', () => {
    const relabelled = {
      ...attest(signer.privateKey, statementFor(hexA), 'application/json'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
    };
    expect(reason(verifyAttestation({ ...base, envelope: envelopeBytes(relabelled) }))).toBe(NO_KEY);
  });

  it('truncated envelope, bad and truncated base64 payload', () => {
    expect(
      reason(verifyAttestation({ ...base, envelope: base.envelope.subarray(0, base.envelope.length - 30) })),
    ).toBe('DSSE envelope is truncated');
    const bad = { ...envelope, payload: `${envelope.payload.slice(0, 8)}!${envelope.payload.slice(9)}` };
    expect(reason(verifyAttestation({ ...base, envelope: envelopeBytes(bad) }))).toBe(
      'DSSE payload is not valid base64',
    );
    const bare = envelope.payload.replace(/=+$/, '');
    const oneOff = { ...envelope, payload: bare.slice(0, bare.length - ((bare.length % 4) + 3)) };
    expect(oneOff.payload.length % 4).toBe(1);
    expect(reason(verifyAttestation({ ...base, envelope: envelopeBytes(oneOff) }))).toBe(
      'DSSE payload is truncated',
    );
    const shortened = { ...envelope, payload: bare.slice(0, bare.length - (bare.length % 4) - 4) };
    expect(reason(verifyAttestation({ ...base, envelope: envelopeBytes(shortened) }))).toBe(NO_KEY);
  });

  it('wrong payloadType', () => {
    const env = attest(signer.privateKey, statementFor(hexA), 'application/vnd.example+json');
    expect(reason(verifyAttestation({ ...base, envelope: envelopeBytes(env) }))).toBe(
      'DSSE payloadType is "application/vnd.example+json", not "application/vnd.in-toto+json"',
    );
  });

  it('subject mismatch', () => {
    expect(reason(verifyAttestation({ ...base, digest: digestB }))).toBe(
      `statement subject does not name ${digestB}`,
    );
  });

  it('wrong predicateType', () => {
    expect(reason(verifyAttestation({ ...base, predicateType: 'spdx' }))).toBe(
      'predicateType is "https://slsa.dev/provenance/v1", not "https://spdx.dev/Document"',
    );
    expect(reason(verifyAttestation({ ...base, predicateType: 'nonsense' }))).toMatch(
      /^not a predicate type/,
    );
  });

  it('no signatures, a signed non-statement, and a non-digest target', () => {
    const unsigned = { ...envelope, signatures: [] };
    expect(reason(verifyAttestation({ ...base, envelope: envelopeBytes(unsigned) }))).toBe(
      'DSSE envelope has no signatures',
    );
    const junk = attest(signer.privateKey, Buffer.from('{"_type":"https://example.com/Other"}'));
    expect(reason(verifyAttestation({ ...base, envelope: envelopeBytes(junk) }))).toMatch(
      /^DSSE payload is not an in-toto statement: unknown statement _type/,
    );
    expect(reason(verifyAttestation({ ...base, digest: 'latest' }))).toBe('not a digest: latest');
  });
});

describe('verifyBundle', () => {
  const envelope = attest(signer.privateKey, statementFor(hexA, 'https://sigstore.dev/cosign/sign/v1'));
  const bundle = bundleBytes(makeBundle({ envelope, publicKey: signer.publicKey }));
  const base = { bundle, digest: digestA, publicKeys: [signer.publicKey] };

  it('verifies the bundled envelope', () => {
    const v = verifyBundle({ ...base, predicateType: 'https://sigstore.dev/cosign/sign/v1' });
    expect(v.ok && v.value.subject[0]?.digest.sha256).toBe(hexA);
  });

  it('wrong key, tampered payload, subject mismatch, wrong predicateType', () => {
    expect(reason(verifyBundle({ ...base, publicKeys: [other.publicKey] }))).toBe(NO_KEY);
    const tampered = makeBundle({
      envelope: { ...envelope, payload: statementFor(hexB).toString('base64') },
      publicKey: signer.publicKey,
    });
    expect(reason(verifyBundle({ ...base, bundle: bundleBytes(tampered), digest: digestB }))).toBe(NO_KEY);
    expect(reason(verifyBundle({ ...base, digest: digestB }))).toBe(
      `statement subject does not name ${digestB}`,
    );
    expect(reason(verifyBundle({ ...base, predicateType: 'slsaprovenance1' }))).toBe(
      'predicateType is "https://sigstore.dev/cosign/sign/v1", not "https://slsa.dev/provenance/v1"',
    );
  });

  it('not a DSSE bundle, truncated, wrong mediaType', () => {
    const doc = {
      mediaType: BUNDLE_MEDIA_TYPE,
      verificationMaterial: { publicKey: { hint: 'h' } },
      messageSignature: {},
    };
    expect(reason(verifyBundle({ ...base, bundle: Buffer.from(JSON.stringify(doc)) }))).toBe(
      'bundle holds a messageSignature, not a DSSE envelope',
    );
    expect(reason(verifyBundle({ ...base, bundle: bundle.subarray(0, 40) }))).toBe('bundle is truncated');
    const wrongType = Buffer.from(bundle.toString().replace(BUNDLE_MEDIA_TYPE, 'application/json'));
    expect(reason(verifyBundle({ ...base, bundle: wrongType }))).toBe(
      'unsupported bundle mediaType: "application/json"',
    );
  });
});
