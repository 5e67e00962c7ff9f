/**
 * Interop with real cosign output (test/fixtures/cosign/README.md says where each file comes from):
 * Wharf decrypts cosign's keys, verifies cosign's signatures and attestations, and writes the
 * cosign-format fields the way cosign does.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_MEDIA_TYPE,
  bundleBytes,
  decryptPrivateKey,
  encryptPrivateKey,
  envelopeBytes,
  generateKeyPair,
  isSupplyChainError,
  makeBundle,
  parseBundle,
  parseEnvelope,
  parsePublicKeys,
  parseStatement,
  publicKeyFromPrivate,
  publicKeyPem,
  signBytes,
  signEnvelope,
  simpleSigningPayload,
  verifyAttestation,
  verifyBundle,
  verifySimpleSigning,
} from '../../src/supplychain/index.js';

const FIXTURES = new URL('../fixtures/cosign/', import.meta.url);
const text = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const NO_KEY = 'signature does not verify with any trusted key';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (err) {
    return isSupplyChainError(err) ? err.code : `other: ${String(err)}`;
  }
}

function pemBody(pem: string): string[] {
  return pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
}

describe('cosign private keys (sigstore/cosign pkg/cosign/keys_test.go, password "hello")', () => {
  it('decrypts the ENCRYPTED SIGSTORE PRIVATE KEY and signs with it', async () => {
    const key = await decryptPrivateKey(text('keys/sigstore-label.key'), 'hello');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const digest = `sha256:${'0'.repeat(64)}`;
    const payload = simpleSigningPayload({ dockerReference: 'r/a', digest });
    const signature = signBytes(key, payload);
    const verdict = verifySimpleSigning({
      payload,
      signature,
      digest,
      publicKeys: [publicKeyFromPrivate(key)],
    });
    expect(verdict.ok).toBe(true);
    expect(await codeOf(decryptPrivateKey(text('keys/sigstore-label.key'), 'hellO'))).toBe('KEY_PASSWORD');
  });

  it('decrypts the older ENCRYPTED COSIGN PRIVATE KEY', async () => {
    const key = await decryptPrivateKey(text('keys/cosign-label.key'), 'hello');
    expect(key.asymmetricKeyType).toBe('ec');
  });

  it('refuses, as cosign does, a key whose plaintext is SEC1 rather than PKCS#8', async () => {
    expect(await codeOf(decryptPrivateKey(text('keys/cosign-label-sec1.key'), 'hello'))).toBe('KEY_INVALID');
    expect(await codeOf(decryptPrivateKey(text('keys/cosign-label-sec1.key'), 'nope'))).toBe('KEY_PASSWORD');
  });

  it('writes the same JSON shape and PEM layout as cosign', async () => {
    const theirs = text('keys/cosign-label-sec1.key'); // N=65536, like ours
    const ours = await encryptPrivateKey(generateKeyPair().privateKey, 'hello');
    // Same 64-column wrapping; the first line holds only field names and parameters, so it is equal.
    expect(pemBody(ours)[0]).toBe(pemBody(theirs)[0]);
    expect(
      pemBody(ours)
        .slice(0, -1)
        .every((l) => l.length === 64),
    ).toBe(true);
    const shape = (pem: string): unknown =>
      JSON.parse(Buffer.from(pemBody(pem).join(''), 'base64').toString(), (k, v) =>
        typeof v === 'string' && ['salt', 'nonce'].includes(k) ? Buffer.from(v, 'base64').length : v,
      );
    const a = shape(ours) as Record<string, Record<string, unknown>>;
    const b = shape(theirs) as Record<string, Record<string, unknown>>;
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(a.kdf).toEqual(b.kdf);
    expect(a.cipher).toEqual(b.cipher);
    expect(typeof a.ciphertext).toBe(typeof b.ciphertext);
  });
});

interface RealSignature {
  dockerReference: string;
  digest: string;
  annotations: Record<string, string> | null;
  payload: string;
  signature: string;
  publicKey: string;
  rekor: { payloadSha256: string };
}

const signatures = JSON.parse(text('simple-signatures.json')) as RealSignature[];

describe('simple signatures made by cosign sign --key (payload hashes from their Rekor entries)', () => {
  it.each(signatures.map((s) => [s.dockerReference, s] as const))('%s', (_, s) => {
    const payload = Buffer.from(s.payload, 'utf8');
    expect(createHash('sha256').update(payload).digest('hex')).toBe(s.rekor.payloadSha256);
    // Wharf writes the very bytes cosign signed.
    const ours = simpleSigningPayload({
      dockerReference: s.dockerReference,
      digest: s.digest,
      ...(s.annotations ? { annotations: s.annotations } : {}),
    });
    expect(ours).toEqual(payload);
    const publicKeys = parsePublicKeys(s.publicKey);
    expect(publicKeyPem(publicKeys[0] ?? generateKeyPair().publicKey)).toBe(s.publicKey);
    const check = { payload, signature: s.signature, digest: s.digest, publicKeys };
    const verdict = verifySimpleSigning({ ...check, annotations: s.annotations ?? {} });
    expect(verdict.ok && verdict.value.dockerReference).toBe(s.dockerReference);
    const elsewhere = `sha256:${'1'.repeat(64)}`;
    expect(verifySimpleSigning({ ...check, digest: elsewhere })).toEqual({
      ok: false,
      reason: `payload is for ${s.digest} not ${elsewhere}`,
    });
    const strangers = signatures.filter((o) => o !== s).flatMap((o) => parsePublicKeys(o.publicKey));
    expect(verifySimpleSigning({ ...check, publicKeys: strangers })).toEqual({ ok: false, reason: NO_KEY });
  });

  it('checks cosign -a annotations against a real signed payload', () => {
    const s = signatures.find((x) => x.annotations !== null);
    if (!s) throw new Error('fixture without annotations');
    const check = {
      payload: Buffer.from(s.payload),
      signature: s.signature,
      digest: s.digest,
      publicKeys: parsePublicKeys(s.publicKey),
    };
    expect(verifySimpleSigning({ ...check, annotations: { tag: 'latest' } })).toEqual({
      ok: false,
      reason: 'annotation "tag" is "4.169.1-github-com", not "latest"',
    });
  });
});

describe('a v0.3 bundle written by cosign attest (sigstore/cosign pkg/cosign/testdata/oci-attestation.sigstore.json)', () => {
  const bytes = readFileSync(new URL('oci-attestation.sigstore.json', FIXTURES));
  const digest = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';
  const parsed = parseBundle(bytes);
  // Keyless: the signing key is the one in the Fulcio certificate the bundle carries.
  const certKey = new X509Certificate(parsed.certificate ?? Buffer.alloc(0)).publicKey;

  it('parses it and verifies its DSSE signature with the certificate key', () => {
    expect(parsed.mediaType).toBe(BUNDLE_MEDIA_TYPE);
    expect(parsed.tlogEntries).toBe(1);
    const verdict = verifyBundle({ bundle: bytes, digest, publicKeys: [certKey], predicateType: 'custom' });
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.value._type).toBe('https://in-toto.io/Statement/v0.1');
    expect(verdict.value.subject[0]?.name).toBe('127.0.0.1:60943/repo');
  });

  it('verifies its envelope as a legacy .att layer too (signatures without keyid)', () => {
    const att = Buffer.from(JSON.stringify(parsed.envelope));
    expect(verifyAttestation({ envelope: att, digest, publicKeys: [certKey] }).ok).toBe(true);
  });

  it('fails it for the precise reason', () => {
    const other = `sha256:${'2'.repeat(64)}`;
    expect(verifyBundle({ bundle: bytes, digest: other, publicKeys: [certKey] })).toEqual({
      ok: false,
      reason: `statement subject does not name ${other}`,
    });
    expect(
      verifyBundle({ bundle: bytes, digest, publicKeys: [certKey], predicateType: 'slsaprovenance1' }),
    ).toEqual({
      ok: false,
      reason:
        'predicateType is "https://cosign.sigstore.dev/attestation/v1", not "https://slsa.dev/provenance/v1"',
    });
    expect(verifyBundle({ bundle: bytes, digest, publicKeys: [generateKeyPair().publicKey] })).toEqual({
      ok: false,
      reason: NO_KEY,
    });
    const tampered = Buffer.from(bytes.toString().replace('"payload":"eyJf', '"payload":"eyJG'));
    expect(tampered.equals(bytes)).toBe(false); // the fixture is cosign's bytes, unformatted
    expect(verifyBundle({ bundle: tampered, digest, publicKeys: [certKey] })).toEqual({
      ok: false,
      reason: NO_KEY,
    });
  });

  it('uses the same protobuf-JSON field names in the bundles Wharf writes', () => {
    const names = (v: unknown, prefix = ''): string[] =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.entries(v).flatMap(([k, x]) => [`${prefix}${k}`, ...names(x, `${prefix}${k}.`)])
        : Array.isArray(v) && v.length > 0
          ? names(v[0], `${prefix}[].`)
          : [];
    const { privateKey, publicKey } = generateKeyPair();
    const ours = makeBundle({
      envelope: signEnvelope(privateKey, 'application/vnd.in-toto+json', '{}'),
      publicKey,
    });
    const theirs = JSON.parse(bytes.toString()) as unknown;
    const theirNames = names(theirs);
    const ourNames = names(JSON.parse(bundleBytes(ours).toString()));
    // Everything but the key material (publicKey.hint vs. a keyless certificate) and the optional
    // keyid appears in cosign's bundle under the same name.
    const shared = ourNames.filter((n) => !n.includes('publicKey') && !n.endsWith('keyid'));
    expect(shared.filter((n) => !theirNames.includes(n))).toEqual([]);
    expect(ourNames).toContain('verificationMaterial.publicKey.hint');
  });
});

describe("envelopes from cosign's verifiers_test.go (no key published: parse-level interop)", () => {
  const f = JSON.parse(text('cosign-verifiers-test-envelopes.json')) as Record<string, string>;
  const payloadOf = (env: string) => Buffer.from(parseEnvelope(Buffer.from(env)).payload, 'base64');

  it('reads the valid one and writes it back byte for byte, in go-securesystemslib field order', () => {
    const env = parseEnvelope(Buffer.from(f.valid ?? ''));
    expect(envelopeBytes(env).toString()).toBe(f.valid);
    const statement = parseStatement(payloadOf(f.valid ?? ''));
    expect(statement.subject[0]?.digest.sha256).toBe(f.digest?.slice(7));
    expect(statement.predicateType).toBe('cosign.sigstore.dev/attestation/v1');
  });

  it('refuses the badly encoded payload, as cosign does', () => {
    expect(() => parseEnvelope(Buffer.from(f.badEncoding ?? ''))).toThrow('DSSE payload is truncated');
  });

  it('finds no sha256 in the subject whose digest key is "999"', () => {
    const statement = parseStatement(payloadOf(f.missingSubject ?? ''));
    expect(statement.subject[0]?.digest.sha256).toBeUndefined();
    expect(
      verifyAttestation({
        envelope: Buffer.from(f.missingSubject ?? ''),
        digest: f.digest ?? '',
        publicKeys: [],
      }),
    ).toEqual({ ok: false, reason: NO_KEY });
  });
});
