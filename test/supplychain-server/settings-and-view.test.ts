import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import {
  attestationTag,
  bundleReferrer,
  cosignTag,
  newSigner,
  provenancePredicate,
  pushObject,
  SLSA_V1,
  sbomTag,
  simpleSignature,
} from './cosign.js';
import { type SupplyChainServer, startSupplyChainServer } from './harness.js';

const dialects = await availableDialects();

interface ErrorBody {
  errors: { code: string; message: string; detail: unknown }[];
}

describe.each(dialects)('supply-chain settings and the artifact view over HTTP (%s)', (dialect) => {
  let s: SupplyChainServer;
  const trusted = newSigner();
  const other = newSigner();

  beforeAll(async () => {
    s = await startSupplyChainServer(dialect);
    await s.server.wharf.access.createProject({ name: 'team' });
  });
  afterAll(() => s?.stop());

  const patch = (supplyChain: unknown) => s.api('/projects/team', { method: 'PATCH', body: { supplyChain } });
  async function refused(r: Response): Promise<ErrorBody['errors'][number]> {
    expect(r.status).toBe(400);
    const [first] = ((await r.json()) as ErrorBody).errors;
    if (!first) throw new Error('no error in the body');
    return first;
  }

  it('starts with nothing enforced, shown on GET', async () => {
    expect(await (await s.api('/projects/team')).json()).toMatchObject({
      name: 'team',
      supplyChain: { requireSigned: false, trustedKeys: [], provenanceTagPattern: null },
    });
  });

  it('stores the rules, keys re-encoded and deduplicated, and merges later changes', async () => {
    // Two keys in one entry, one of them again on its own, with CRLF line ends.
    const both = `${trusted.pem}${other.pem}`.replaceAll('\n', '\r\n');
    const r = await patch({
      requireSigned: true,
      trustedKeys: [both, other.pem],
      provenanceTagPattern: 'v*',
    });
    expect(r.status).toBe(200);
    const want = { requireSigned: true, trustedKeys: [trusted.pem, other.pem], provenanceTagPattern: 'v*' };
    expect(await r.json()).toMatchObject({ supplyChain: want });
    expect(await (await s.api('/projects/team')).json()).toMatchObject({ supplyChain: want });
    const off = await patch({ requireSigned: false });
    expect(await off.json()).toMatchObject({ supplyChain: { ...want, requireSigned: false } });
    // Listed the same way.
    const list = (await (await s.api('/projects')).json()) as { name: string; supplyChain: unknown }[];
    expect(list.find((p) => p.name === 'team')?.supplyChain).toEqual({ ...want, requireSigned: false });
  });

  it('refuses a bad PEM, a rule without keys, a bad pattern, too many keys and unknown fields with 400', async () => {
    const bad = await refused(await patch({ trustedKeys: ['not a key'] }));
    expect(bad).toMatchObject({
      code: 'WHARF_ERR_REQUEST_INVALID',
      message: 'trustedKeys[0] is not a usable PEM public key: no PUBLIC KEY block',
    });
    const priv = trusted.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect((await refused(await patch({ trustedKeys: [priv] }))).message).toMatch(
      /^trustedKeys\[0\] is not a usable/,
    );
    expect((await refused(await patch({ requireSigned: true, trustedKeys: [] }))).message).toBe(
      'requireSigned needs at least one trusted key',
    );
    expect((await refused(await patch({ provenanceTagPattern: 'v[0-9]*' }))).detail).toMatchObject({
      field: 'supplyChain.provenanceTagPattern',
    });
    const many = Array.from({ length: 17 }, () => newSigner().pem);
    expect((await refused(await patch({ trustedKeys: many }))).detail).toMatchObject({
      field: 'supplyChain.trustedKeys',
    });
    expect((await refused(await patch({ requireSignatures: true }))).detail).toMatchObject({
      field: 'supplyChain.requireSignatures',
    });
    expect((await refused(await patch({}))).code).toBe('WHARF_ERR_REQUEST_INVALID');
    // Nothing changed.
    expect(await (await s.api('/projects/team')).json()).toMatchObject({
      supplyChain: { requireSigned: false, provenanceTagPattern: 'v*' },
    });
  });

  it('is for project admins only', async () => {
    await s.server.wharf.access.createUser({ username: 'dev', password: 'dev-password-1' });
    await s.server.wharf.access.addMember('team', 'dev', 'developer');
    const r = await fetch(`${s.server.url}/api/v1/projects/team`, {
      method: 'PATCH',
      headers: {
        authorization: `Basic ${Buffer.from('dev:dev-password-1').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ supplyChain: { requireSigned: false } }),
    });
    expect(r.status).toBe(403);
  });

  it('lists an artifact’s signatures, attestations and SBOMs with their kind, predicateType and verification', async () => {
    const repo = 'team/app';
    const image = makeImage();
    await pushArtifact(s.admin, repo, 'latest', image);
    const digest = image.manifest.descriptor.digest;
    const subject = { digest, size: image.manifest.bytes.length };
    const sig = cosignTag(digest, 'sig');
    await pushObject(s.admin, repo, await simpleSignature(repo, digest, [trusted, newSigner()]), sig);
    await pushObject(
      s.admin,
      repo,
      await attestationTag(digest, trusted, SLSA_V1, provenancePredicate()),
      cosignTag(digest, 'att'),
    );
    const bundle = await pushObject(s.admin, repo, await bundleReferrer(subject, other));
    await pushObject(s.admin, repo, await sbomTag(), cosignTag(digest, 'sbom'));
    const view = async () => {
      const r = await s.api(`/projects/team/repositories/team%2Fapp/artifacts/latest`);
      expect(r.status).toBe(200);
      return ((await r.json()) as { attachments: Record<string, unknown>[] }).attachments;
    };
    const attachments = await view();
    expect(attachments).toHaveLength(5);
    expect(attachments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'signature',
          source: 'referrer',
          manifest: bundle,
          tag: null,
          mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
          predicateType: 'https://sigstore.dev/cosign/sign/v1',
          verified: true,
          reason: null,
        }),
        expect.objectContaining({
          kind: 'signature',
          source: 'tag',
          tag: sig,
          verified: true,
          predicateType: null,
        }),
        expect.objectContaining({
          kind: 'signature',
          source: 'tag',
          tag: sig,
          verified: false,
          reason: "signature does not verify with any of the project's 2 trusted keys",
        }),
        expect.objectContaining({
          kind: 'attestation',
          source: 'tag',
          tag: cosignTag(digest, 'att'),
          mediaType: 'application/vnd.dsse.envelope.v1+json',
          predicateType: SLSA_V1,
          verified: true,
        }),
        expect.objectContaining({
          kind: 'sbom',
          tag: cosignTag(digest, 'sbom'),
          mediaType: 'text/spdx+json',
          verified: null,
        }),
      ]),
    );
    // Without trusted keys nothing is checked.
    await patch({ trustedKeys: [], provenanceTagPattern: null });
    expect((await view()).map((a) => a.verified)).toEqual([null, null, null, null, null]);
  });
});
