/**
 * Independent re-verification: what Wharf writes is checked by other code than Wharf's own —
 * the openssl CLI for signatures, scrypt and PKCS#8, python3 for reading envelopes and bundles.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bundleBytes,
  encryptPrivateKey,
  envelopeBytes,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  makeBundle,
  makeStatement,
  pae,
  publicKeyPem,
  signBytes,
  signEnvelope,
  simpleSigningPayload,
  verifyBytes,
} from '../../src/supplychain/index.js';

const dir = mkdtempSync(join(tmpdir(), 'wharf-openssl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, data: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  if (r.error)
    throw new Error(`${cmd} could not run (is it installed? .ci/run installs openssl): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function opensslVerify(pub: string, sig: string, data: string) {
  return run('openssl', ['dgst', '-sha256', '-verify', pub, '-signature', sig, data]);
}

const { privateKey, publicKey } = generateKeyPair();
const pubPath = file('cosign.pub', publicKeyPem(publicKey));
const digest = `sha256:${'5e'.repeat(32)}`;

describe('openssl verifies what Wharf signs', () => {
  it('a simple-signing payload: the exact bytes and the DER signature', () => {
    const payload = simpleSigningPayload({
      dockerReference: 'reg.example/app',
      digest,
      annotations: { a: 'b' },
    });
    const sig = Buffer.from(signBytes(privateKey, payload), 'base64');
    const ok = opensslVerify(pubPath, file('sig.der', sig), file('payload.json', payload));
    expect(ok.out.trim()).toBe('Verified OK');
    expect(ok.status).toBe(0);
    const tampered = Buffer.from(payload.toString().replace('reg.example', 'evil.example'));
    const bad = opensslVerify(pubPath, file('sig.der', sig), file('tampered.json', tampered));
    expect(bad.status).not.toBe(0);
    expect(bad.out).toContain('Verification failure');
  });

  it('a DSSE envelope: PAE rebuilt by python3 from the envelope JSON, verified by openssl', () => {
    const statement = makeStatement({
      subjects: [{ name: 'reg.example/app', digest: { sha256: digest.slice(7) } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { note: 'é€ non-ASCII so byte lengths differ from character lengths' },
    });
    const envelope = signEnvelope(privateKey, IN_TOTO_PAYLOAD_TYPE, JSON.stringify(statement));
    const envPath = file('envelope.json', envelopeBytes(envelope));
    const paePath = join(dir, 'pae.bin');
    const sigPath = join(dir, 'pae.sig');
    const script = [
      'import base64, json, sys',
      'env = json.load(open(sys.argv[1]))',
      "t = env['payloadType'].encode(); p = base64.b64decode(env['payload'])",
      "open(sys.argv[2], 'wb').write(b'DSSEv1 %d %s %d %s' % (len(t), t, len(p), p))",
      "open(sys.argv[3], 'wb').write(base64.b64decode(env['signatures'][0]['sig']))",
    ].join('\n');
    expect(run('python3', ['-c', script, envPath, paePath, sigPath]).status).toBe(0);
    expect(readFileSync(paePath)).toEqual(pae(envelope.payloadType, JSON.stringify(statement)));
    const ok = opensslVerify(pubPath, sigPath, paePath);
    expect(ok.out.trim()).toBe('Verified OK');
  });

  it('a v0.3 bundle: python3 reads it, openssl verifies the envelope signature', () => {
    const envelope = signEnvelope(
      privateKey,
      IN_TOTO_PAYLOAD_TYPE,
      '{"_type":"https://in-toto.io/Statement/v1"}',
    );
    const bundlePath = file('bundle.json', bundleBytes(makeBundle({ envelope, publicKey })));
    const script = [
      'import base64, hashlib, json, sys',
      'b = json.load(open(sys.argv[1]))',
      "assert b['mediaType'] == 'application/vnd.dev.sigstore.bundle.v0.3+json'",
      "assert sorted(b) == ['dsseEnvelope', 'mediaType', 'verificationMaterial'], sorted(b)",
      "assert b['verificationMaterial'] == {'publicKey': {'hint': sys.argv[4]}, 'tlogEntries': []}",
      "env = b['dsseEnvelope']; t = env['payloadType'].encode(); p = base64.b64decode(env['payload'])",
      "open(sys.argv[2], 'wb').write(b'DSSEv1 %d %s %d %s' % (len(t), t, len(p), p))",
      "open(sys.argv[3], 'wb').write(base64.b64decode(env['signatures'][0]['sig']))",
    ].join('\n');
    const der = run('openssl', ['pkey', '-pubin', '-in', pubPath, '-outform', 'DER']);
    expect(der.status).toBe(0);
    const spkiHash = run('sh', [
      '-c',
      `openssl pkey -pubin -in '${pubPath}' -outform DER | openssl dgst -sha256 -binary | base64`,
    ]);
    const hint = spkiHash.out.trim();
    const r = run('python3', ['-c', script, bundlePath, join(dir, 'b.pae'), join(dir, 'b.sig'), hint]);
    expect(r.out).toBe('');
    expect(opensslVerify(pubPath, join(dir, 'b.sig'), join(dir, 'b.pae')).out.trim()).toBe('Verified OK');
  });
});

describe('Wharf verifies what openssl signs', () => {
  it('an openssl-generated P-256 key and its DER signature', () => {
    const keyPath = join(dir, 'ossl.key');
    expect(
      run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath])
        .status,
    ).toBe(0);
    const pub = run('openssl', ['pkey', '-in', keyPath, '-pubout']).out;
    const data = file('ossl-data', 'signed by openssl');
    const sigPath = join(dir, 'ossl.sig');
    expect(run('openssl', ['dgst', '-sha256', '-sign', keyPath, '-out', sigPath, data]).status).toBe(0);
    const sig = readFileSync(sigPath).toString('base64');
    expect(verifyBytes(createPublicKey(pub), readFileSync(data), sig)).toBe(true);
    expect(verifyBytes(createPublicKey(pub), Buffer.from('other'), sig)).toBe(false);
  });
});

describe('an encrypted key, opened without Wharf’s decrypt path', () => {
  it('openssl derives the scrypt key, secretbox opens, openssl reads the PKCS#8', async () => {
    const pem = await encryptPrivateKey(privateKey, 'hunter2');
    const body = JSON.parse(
      Buffer.from(
        pem
          .split('\n')
          .filter((l) => l && !l.startsWith('-----'))
          .join(''),
        'base64',
      ).toString(),
    ) as { kdf: { params: { N: number }; salt: string }; cipher: { nonce: string }; ciphertext: string };
    const salt = Buffer.from(body.kdf.salt, 'base64').toString('hex');
    const kdf = run('openssl', [
      'kdf',
      '-keylen',
      '32',
      '-kdfopt',
      'pass:hunter2',
      '-kdfopt',
      `hexsalt:${salt}`,
      '-kdfopt',
      `n:${body.kdf.params.N}`,
      '-kdfopt',
      'r:8',
      '-kdfopt',
      'p:1',
      'SCRYPT',
    ]);
    expect(kdf.status).toBe(0);
    const key = Buffer.from(kdf.out.trim().replace(/:/g, ''), 'hex');
    const plain = nacl.secretbox.open(
      Buffer.from(body.ciphertext, 'base64'),
      Buffer.from(body.cipher.nonce, 'base64'),
      key,
    );
    expect(plain).not.toBeNull();
    const derPath = file('key.der', plain ?? new Uint8Array());
    const pkey = run('openssl', ['pkey', '-inform', 'DER', '-in', derPath, '-pubout']);
    expect(pkey.status).toBe(0);
    expect(pkey.out).toBe(publicKeyPem(publicKey));
    const text = run('openssl', ['pkey', '-inform', 'DER', '-in', derPath, '-noout', '-text']);
    expect(text.out).toContain('ASN1 OID: prime256v1');
  });
});
