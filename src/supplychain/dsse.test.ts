import { describe, expect, it } from 'vitest';
import {
  envelopeBytes,
  envelopeFromJson,
  envelopePayload,
  pae,
  parseEnvelope,
  signEnvelope,
} from './dsse.js';
import { isSupplyChainError } from './errors.js';
import { generateKeyPair } from './keys.js';
import { verifyBytes } from './signing.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (err) {
    return isSupplyChainError(err) && err.code === 'ENVELOPE_INVALID' ? err.message : `other: ${String(err)}`;
  }
}

describe('pae', () => {
  it('is DSSEv1 SP len SP type SP len SP payload, with no trailing newline', () => {
    expect(pae('http://example.com/HelloWorld', 'hello world').toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    expect(pae('application/vnd.in-toto+json', '').toString()).toBe(
      'DSSEv1 28 application/vnd.in-toto+json 0 ',
    );
  });

  it('counts bytes, not characters', () => {
    expect(pae('t', 'é€').toString()).toBe('DSSEv1 1 t 5 é€');
    expect(pae('t', Buffer.from([0, 255])).subarray(-2)).toEqual(Buffer.from([0, 255]));
  });
});

describe('signEnvelope / parseEnvelope', () => {
  it('signs the PAE and round-trips through JSON', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const env = signEnvelope(privateKey, 'application/vnd.in-toto+json', '{"a":1}');
    expect(Object.keys(env)).toEqual(['payloadType', 'payload', 'signatures']);
    expect(env.payload).toBe(Buffer.from('{"a":1}').toString('base64'));
    const [signature] = env.signatures;
    expect(signature?.keyid).toBe('');
    expect(verifyBytes(publicKey, pae(env.payloadType, '{"a":1}'), signature?.sig ?? '')).toBe(true);
    const bytes = envelopeBytes(env);
    expect(bytes.toString()).toMatch(
      /^\{"payloadType":"[^"]+","payload":"[^"]+","signatures":\[\{"keyid":"","sig":"/,
    );
    expect(parseEnvelope(bytes)).toEqual(env);
    expect(envelopePayload(parseEnvelope(bytes)).toString()).toBe('{"a":1}');
  });

  it('accepts a URL-safe payload and a signature without keyid', () => {
    const payload = Buffer.from([0xfb, 0xff, 0xfe]).toString('base64url');
    const env = envelopeFromJson({ payloadType: 't', payload, signatures: [{ sig: 'AAAA' }] });
    expect(envelopePayload(env)).toEqual(Buffer.from([0xfb, 0xff, 0xfe]));
    expect(env.signatures).toEqual([{ keyid: '', sig: 'AAAA' }]);
  });

  it('names what is wrong', () => {
    const good = envelopeBytes(signEnvelope(generateKeyPair().privateKey, 't', 'hello world'));
    expect(messageOf(() => parseEnvelope(good.subarray(0, good.length - 20)))).toBe(
      'DSSE envelope is truncated',
    );
    expect(messageOf(() => parseEnvelope(Buffer.from('<html>')))).toMatch(/^DSSE envelope is not JSON/);
    const cases: [unknown, string][] = [
      [[], 'DSSE envelope is not a JSON object'],
      [{ payload: '', signatures: [] }, 'DSSE envelope has no payloadType'],
      [{ payloadType: 't', signatures: [] }, 'DSSE envelope has no payload'],
      [{ payloadType: 't', payload: '' }, 'DSSE envelope has no signatures array'],
      [{ payloadType: 't', payload: 'aGVsbG8*', signatures: [] }, 'DSSE payload is not valid base64'],
      [{ payloadType: 't', payload: 'aGVsbG8=x', signatures: [] }, 'DSSE payload is not valid base64'],
      [{ payloadType: 't', payload: 'aGVsb', signatures: [] }, 'DSSE payload is truncated'],
      [{ payloadType: 't', payload: '', signatures: [{}] }, 'DSSE signature has no sig'],
      [
        { payloadType: 't', payload: '', signatures: [{ sig: 'A', keyid: '' }] },
        'DSSE signature is truncated',
      ],
      [
        { payloadType: 't', payload: '', signatures: [{ sig: 'AA', keyid: 1 }] },
        'DSSE signature keyid is not a string',
      ],
    ];
    for (const [doc, want] of cases) expect(messageOf(() => envelopeFromJson(doc))).toBe(want);
  });
});
