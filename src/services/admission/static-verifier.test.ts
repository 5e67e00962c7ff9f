import { describe, expect, it } from 'vitest';
import { KEY_A, KEY_B } from '../../../test/admission/support.js';
import { parseStaticImages, StaticVerifier } from './static-verifier.js';
import type { ImageVerifier } from './verifier.js';

const D = `sha256:${'b'.repeat(64)}`;

describe('StaticVerifier', () => {
  const v: ImageVerifier = new StaticVerifier(
    {
      'registry.internal/app:1.0': {
        digest: D,
        signed: [KEY_A],
        statements: [{ predicateType: 't' }],
        attestedBy: [KEY_B],
      },
      nginx: { digest: D, signed: true },
    },
    'data.json',
  );

  it('resolves tags it knows, by normalised name', async () => {
    expect(await v.resolve('registry.internal/app:1.0')).toEqual({ digest: D });
    expect(await v.resolve('docker.io/nginx:latest')).toEqual({ digest: D });
    expect(await v.resolve('registry.internal/app:2.0')).toEqual({ error: 'no digest for it in data.json' });
  });

  it('signs with the keys listed (any key when true), found by tag or digest', async () => {
    expect(await v.verifySignature('registry.internal/app:1.0', D, [KEY_B, KEY_A])).toEqual({
      ok: true,
      keyIndex: 1,
    });
    expect(await v.verifySignature(`registry.internal/app@${D}`, D, [KEY_A])).toEqual({
      ok: true,
      keyIndex: 0,
    });
    expect(await v.verifySignature('registry.internal/app:1.0', D, [KEY_B])).toMatchObject({ ok: false });
    expect(await v.verifySignature('docker.io/nginx:latest', D, [KEY_B])).toEqual({ ok: true, keyIndex: 0 });
    expect(
      await v.verifySignature('docker.io/nginx:latest', `sha256:${'c'.repeat(64)}`, [KEY_B]),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('according to data.json'),
    });
  });

  it('serves statements to the keys that attested them', async () => {
    expect(await v.attestations('registry.internal/app:1.0', D, [KEY_B], 't')).toEqual({
      statements: [{ predicateType: 't' }],
    });
    expect(await v.attestations('registry.internal/app:1.0', D, [KEY_A], 't')).toEqual({ statements: [] });
  });

  it.each([
    [[], 'expected an object keyed by image'],
    [{ 'Not An Image': {} }, '"Not An Image"'],
    [{ app: { digest: 'sha256:1' } }, '"app".digest: not a digest'],
    [{ app: { signed: 'yes' } }, '"app".signed: expected a list of PEM keys'],
    [{ app: { statement: [] } }, 'unknown field statement'],
    [{ app: { statements: {} } }, 'expected a list of in-toto statements'],
  ])('refuses bad data %j', (json, message) => {
    expect(() => parseStaticImages(json, 'f.json')).toThrow(message);
  });
});
