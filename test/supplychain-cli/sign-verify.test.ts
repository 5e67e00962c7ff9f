import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/client/index.js';
import { SIGNATURE_ANNOTATION } from '../../src/client/signatures/layout.js';
import { cliFor } from './cli.js';
import { TARGETS, useTarget } from './registries.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-sign-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(TARGETS)('wharf sign and verify on %s', (name) => {
  const t = useTarget(name);
  const { cli, ok, fails } = cliFor(
    () => dir,
    () => t,
  );
  const key = (k: string) => join(dir, `${name}-${k}`);
  const sigTag = (digest: string) => `sha256-${digest.slice(7)}.sig`;

  beforeAll(async () => {
    for (const k of ['alice', 'bob']) await ok(['key', 'generate', '--output-key-prefix', key(k)]);
  });

  it('signs (a .sig layer and a bundle referrer) and verifies with the bundle', async () => {
    const image = await t.push('sign/app', 'v1');
    const digest = image.manifest.descriptor.digest;
    const ref = `${t.host}/sign/app:v1`;
    const out = await ok(['sign', ref, '--key', `${key('alice')}.key`, '--tlog-upload=false', '-y']);
    expect(out).toContain(`Signed ${t.host}/sign/app@${digest}`);
    expect(out).toContain(`${sigTag(digest)}: signature added`);
    expect(out).toMatch(/bundle referrer: sha256:[a-f0-9]{64}/);

    const text = await ok(['verify', ref, '--key', `${key('alice')}.pub`]);
    expect(text).toContain(
      `Verified 1 signature(s) of ${t.host}/sign/app@${digest} (Sigstore bundle referrers)`,
    );
    const report = JSON.parse(
      await ok(['verify', `${t.host}/sign/app@${digest}`, '--key', `${key('alice')}.pub`, '-o', 'json']),
    );
    expect(report).toMatchObject({ ok: true, checked: 'bundles', digest, failures: [] });
    expect(report.verified[0].payload).toMatchObject({
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      subject: [{ digest: { sha256: digest.slice(7) } }],
    });

    const wrong = await fails(['verify', ref, '--key', `${key('bob')}.pub`]);
    expect(wrong).toMatch(
      new RegExp(
        `^no valid signature for ${t.host}/sign/app@${digest}: referrer sha256:[a-f0-9]{64}: signature does not verify with any trusted key$`,
      ),
    );
  });

  it('accumulates signers in .sig (legacy mode), skipping a repeat by the same key', async () => {
    const image = await t.push('sign/legacy', 'v1');
    const digest = image.manifest.descriptor.digest;
    const ref = `${t.host}/sign/legacy:v1`;
    const legacy = ['--registry-referrers-mode', 'legacy'];
    await ok(['sign', ref, '--key', `${key('alice')}.key`, ...legacy]);
    await ok(['sign', ref, '--key', `${key('bob')}.key`, ...legacy]);
    expect(await ok(['sign', ref, '--key', `${key('alice')}.key`, ...legacy])).toContain(
      'already signed with this key',
    );
    const sig = readManifest((await t.client.getManifest('sign/legacy', sigTag(digest))).bytes);
    expect(sig.layers).toHaveLength(2);
    expect(sig.layers.map((l) => l.mediaType)).toEqual(
      Array(2).fill('application/vnd.dev.cosign.simplesigning.v1+json'),
    );

    for (const k of ['alice', 'bob']) {
      const r = JSON.parse(await ok(['verify', ref, '--key', `${key(k)}.pub`, '--json']));
      expect(r).toMatchObject({ ok: true, checked: 'sig' });
      expect(r.verified).toHaveLength(1);
      expect(r.verified[0].payload.critical).toEqual({
        identity: { 'docker-reference': `${t.host}/sign/legacy` },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      });
      expect(r.failures[0].reason).toBe('signature does not verify with any trusted key');
    }
  });

  it('checks -a annotations against the signed ones', async () => {
    await t.push('sign/annotated', 'v1');
    const ref = `${t.host}/sign/annotated:v1`;
    for (const mode of ['legacy', 'oci-1-1']) {
      const repo = `sign/annotated-${mode}`;
      await t.push(repo, 'v1');
      const r = `${t.host}/${repo}:v1`;
      await ok([
        'sign',
        r,
        '--key',
        `${key('alice')}.key`,
        '-a',
        'env=prod',
        '-a',
        'team=core',
        '--registry-referrers-mode',
        mode,
      ]);
      await ok(['verify', r, '--key', `${key('alice')}.pub`, '-a', 'env=prod']);
      expect(await fails(['verify', r, '--key', `${key('alice')}.pub`, '-a', 'env=dev'])).toMatch(
        /annotation/,
      );
    }
    expect(await fails(['verify', ref, '--key', `${key('alice')}.pub`])).toMatch(
      /^no signatures found for .*: no bundle referrers or sha256-….sig$/,
    );
    expect(await fails(['sign', ref, '--key', `${key('alice')}.key`, '-a', 'novalue'])).toBe(
      '-a must be KEY=VALUE (got "novalue")',
    );
  });

  it('fails verification of a tampered .sig with a precise reason', async () => {
    const one = await t.push('sign/tamper', 'one');
    const two = await t.push('sign/tamper', 'two');
    const legacy = ['--registry-referrers-mode', 'legacy'];
    for (const tag of ['one', 'two'])
      await ok(['sign', `${t.host}/sign/tamper:${tag}`, '--key', `${key('alice')}.key`, ...legacy]);
    const sigOne = (await t.client.getManifest('sign/tamper', sigTag(one.manifest.descriptor.digest))).bytes;
    const sigTwo = (await t.client.getManifest('sign/tamper', sigTag(two.manifest.descriptor.digest))).bytes;
    const docOne = JSON.parse(sigOne.toString());
    const layerTwo = JSON.parse(sigTwo.toString()).layers[0];
    const pub = `${key('alice')}.pub`;
    const push = (doc: unknown) =>
      t.client.putManifest(
        'sign/tamper',
        sigTag(one.manifest.descriptor.digest),
        Buffer.from(JSON.stringify(doc)),
      );

    // A signature that belongs to other bytes.
    await push({
      ...docOne,
      layers: [
        {
          ...docOne.layers[0],
          annotations: { [SIGNATURE_ANNOTATION]: layerTwo.annotations[SIGNATURE_ANNOTATION] },
        },
      ],
    });
    expect(await fails(['verify', `${t.host}/sign/tamper:one`, '--key', pub])).toMatch(
      /sha256-[a-f0-9]{64}\.sig layer sha256:[a-f0-9]{64}: signature does not verify with any trusted key$/,
    );
    // A genuine signature, but of another image.
    await push({ ...docOne, layers: [layerTwo] });
    expect(await fails(['verify', `${t.host}/sign/tamper:one`, '--key', pub])).toMatch(
      new RegExp(`payload is for ${two.manifest.descriptor.digest} not ${one.manifest.descriptor.digest}$`),
    );
    // Put back, it verifies again.
    await t.client.putManifest('sign/tamper', sigTag(one.manifest.descriptor.digest), sigOne);
    expect((await cli(['verify', `${t.host}/sign/tamper:one`, '--key', pub])).code).toBe(0);
  });
});
