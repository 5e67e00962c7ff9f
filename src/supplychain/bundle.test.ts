import { describe, expect, it } from 'vitest';
import { bundleBytes, makeBundle, parseBundle } from './bundle.js';
import { signEnvelope } from './dsse.js';
import { isSupplyChainError } from './errors.js';
import { generateKeyPair, keyHint } from './keys.js';
import { BUNDLE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE } from './media.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (err) {
    return isSupplyChainError(err) && err.code === 'BUNDLE_INVALID' ? err.message : `other: ${String(err)}`;
  }
}

const { privateKey, publicKey } = generateKeyPair();
const envelope = signEnvelope(privateKey, IN_TOTO_PAYLOAD_TYPE, '{"_type":"x"}');

describe('makeBundle', () => {
  it('writes a v0.3 bundle in protobuf-JSON names with only spec fields', () => {
    const bundle = makeBundle({ envelope, publicKey });
    expect(bundle).toEqual({
      mediaType: BUNDLE_MEDIA_TYPE,
      verificationMaterial: { publicKey: { hint: keyHint(publicKey) }, tlogEntries: [] },
      dsseEnvelope: {
        payload: envelope.payload,
        payloadType: IN_TOTO_PAYLOAD_TYPE,
        signatures: [{ sig: envelope.signatures[0]?.sig, keyid: '' }],
      },
    });
    expect(Object.keys(bundle)).toEqual(['mediaType', 'verificationMaterial', 'dsseEnvelope']);
  });
});

describe('parseBundle', () => {
  it('reads what makeBundle writes', () => {
    const parsed = parseBundle(bundleBytes(makeBundle({ envelope, publicKey })));
    expect(parsed).toEqual({
      mediaType: BUNDLE_MEDIA_TYPE,
      envelope,
      hint: keyHint(publicKey),
      tlogEntries: 0,
    });
  });

  it('returns the certificate of keyless bundles (v0.3 certificate or a v0.1 chain)', () => {
    const der = Buffer.from('not really a certificate');
    const base = { mediaType: BUNDLE_MEDIA_TYPE, dsseEnvelope: envelope };
    const v03 = { ...base, verificationMaterial: { certificate: { rawBytes: der.toString('base64') } } };
    expect(parseBundle(Buffer.from(JSON.stringify(v03))).certificate).toEqual(der);
    const v01 = {
      ...base,
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        x509CertificateChain: { certificates: [{ rawBytes: der.toString('base64') }] },
        tlogEntries: [{}],
      },
    };
    const parsed = parseBundle(Buffer.from(JSON.stringify(v01)));
    expect(parsed.certificate).toEqual(der);
    expect(parsed.tlogEntries).toBe(1);
  });

  it('names what is wrong', () => {
    const good = bundleBytes(makeBundle({ envelope, publicKey }));
    const doc = JSON.parse(good.toString()) as Record<string, unknown>;
    const variant = (patch: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...doc, ...patch }));
    expect(messageOf(() => parseBundle(good.subarray(0, 50)))).toBe('bundle is truncated');
    expect(messageOf(() => parseBundle(Buffer.from('x')))).toMatch(/^bundle is not JSON/);
    expect(messageOf(() => parseBundle(Buffer.from('[]')))).toBe('bundle is not a JSON object');
    expect(messageOf(() => parseBundle(variant({ mediaType: 'application/json' })))).toBe(
      'unsupported bundle mediaType: "application/json"',
    );
    expect(messageOf(() => parseBundle(variant({ verificationMaterial: null })))).toBe(
      'bundle has no verificationMaterial',
    );
    expect(messageOf(() => parseBundle(variant({ dsseEnvelope: undefined, messageSignature: {} })))).toBe(
      'bundle holds a messageSignature, not a DSSE envelope',
    );
    expect(messageOf(() => parseBundle(variant({ dsseEnvelope: undefined })))).toBe(
      'bundle has no dsseEnvelope',
    );
    expect(messageOf(() => parseBundle(variant({ dsseEnvelope: { ...envelope, payload: 'a*' } })))).toBe(
      'bundle DSSE payload is not valid base64',
    );
    const badCert = variant({ verificationMaterial: { certificate: { rawBytes: '%' } } });
    expect(messageOf(() => parseBundle(badCert))).toBe('bundle certificate is not base64');
  });
});
