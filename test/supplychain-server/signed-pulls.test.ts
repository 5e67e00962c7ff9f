import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/client/index.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, makeMultiPlatformIndex, type TestArtifact } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import {
  bundleReferrer,
  cosignTag,
  newSigner,
  provenancePredicate,
  pushObject,
  refusal,
  SLSA_V1,
  simpleSignature,
} from './cosign.js';
import { type SupplyChainServer, startSupplyChainServer } from './harness.js';

const dialects = await availableDialects();

describe.each(dialects)('signed-only pulls over HTTP (%s)', (dialect) => {
  let s: SupplyChainServer;
  let deployer: RegistryClient;
  const trusted = newSigner();
  const alsoTrusted = newSigner();
  const stranger = newSigner();
  const repo = 'team/app';

  beforeAll(async () => {
    s = await startSupplyChainServer(dialect);
    await s.server.wharf.access.createProject({ name: 'team' });
    await s.rules('team', { requireSigned: true, trustedKeys: [trusted.pem, alsoTrusted.pem] });
    deployer = await s.puller('team');
  });
  afterAll(() => s?.stop());

  /** Pushes a fresh image under `tag` as the admin; returns its digest. */
  async function pushImage(tag: string, artifact: TestArtifact = makeImage()): Promise<string> {
    await pushArtifact(s.admin, repo, tag, artifact);
    return artifact.manifest.descriptor.digest;
  }

  it('refuses an unsigned image with 412 DENIED and says what it looked for, on GET and HEAD', async () => {
    const digest = await pushImage('unsigned');
    const err = await refusal(s.admin.getManifest(repo, 'unsigned'));
    expect(err).toEqual({
      status: 412,
      code: 'DENIED',
      message: `project team allows only signed images: no signature for ${digest} (looked for referrers and ${cosignTag(digest, 'sig')})`,
    });
    expect((await refusal(s.admin.headManifest(repo, 'unsigned'))).status).toBe(412);
    expect((await refusal(deployer.getManifest(repo, digest))).status).toBe(412);
    // Blobs are not manifests: what a client cannot resolve it cannot assemble, so they stay readable.
  });

  it('serves an image with a valid .sig signature, and the .sig manifest itself', async () => {
    const digest = await pushImage('signed');
    const sigTag = cosignTag(digest, 'sig');
    await pushObject(s.admin, repo, await simpleSignature(repo, digest, [alsoTrusted]), sigTag);
    expect((await deployer.getManifest(repo, 'signed')).digest).toBe(digest);
    expect((await deployer.getManifest(repo, digest)).digest).toBe(digest);
    expect((await deployer.headManifest(repo, 'signed'))?.digest).toBe(digest);
    const sig = await deployer.getManifest(repo, sigTag);
    expect(sig.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    // …by digest too (cosign resolves the tag, then reads by digest).
    expect((await deployer.getManifest(repo, sig.digest)).digest).toBe(sig.digest);
  });

  it("refuses an image signed only by a key the project does not trust, naming the project's key count", async () => {
    const digest = await pushImage('untrusted');
    const sigTag = cosignTag(digest, 'sig');
    await pushObject(s.admin, repo, await simpleSignature(repo, digest, [stranger]), sigTag);
    expect(await refusal(deployer.getManifest(repo, 'untrusted'))).toEqual({
      status: 412,
      code: 'DENIED',
      message: `project team allows only signed images: signature does not verify with any of the project's 2 trusted keys (${sigTag})`,
    });
    // The signature artifact stays pullable, verified or not.
    expect((await deployer.getManifest(repo, sigTag)).bytes.length).toBeGreaterThan(0);
  });

  it('refuses a tampered signature and a signature for another digest', async () => {
    const tampered = await pushImage('tampered');
    const tag = cosignTag(tampered, 'sig');
    await pushObject(s.admin, repo, await simpleSignature(repo, tampered, [trusted], { tamper: true }), tag);
    const err = await refusal(deployer.getManifest(repo, 'tampered'));
    expect(err.status).toBe(412);
    expect(err.message).toContain(
      `signature does not verify with any of the project's 2 trusted keys (${tag})`,
    );

    const elsewhere = await pushImage('elsewhere');
    const other = await pushImage('other');
    const wrong = await simpleSignature(repo, elsewhere, [trusted], { payloadDigest: other });
    await pushObject(s.admin, repo, wrong, cosignTag(elsewhere, 'sig'));
    expect((await refusal(deployer.getManifest(repo, 'elsewhere'))).message).toContain(
      `payload is for ${other} not ${elsewhere}`,
    );
  });

  it('accepts a cosign v3 bundle referrer, and serves the referrer itself', async () => {
    const image = makeImage();
    const digest = await pushImage('bundled', image);
    const subject = { digest, size: image.manifest.bytes.length };
    const referrer = await pushObject(s.admin, repo, await bundleReferrer(subject, trusted));
    expect((await deployer.getManifest(repo, 'bundled')).digest).toBe(digest);
    expect((await deployer.getManifest(repo, referrer)).digest).toBe(referrer);
    // A provenance bundle by a trusted key counts as a signature too (cosign v3 verify reads any bundle).
    const other = makeImage();
    const otherDigest = await pushImage('attested', other);
    const att = await bundleReferrer(
      { digest: otherDigest, size: other.manifest.bytes.length },
      trusted,
      SLSA_V1,
      provenancePredicate(),
    );
    await pushObject(s.admin, repo, att);
    expect((await deployer.getManifest(repo, 'attested')).digest).toBe(otherDigest);
  });

  it('serves a signed multi-platform index and, by digest, the children it lists', async () => {
    const index = makeMultiPlatformIndex();
    const digest = await pushImage('multi', index);
    const [amd, arm] = index.children;
    if (!amd || !arm) throw new Error('index without children');
    const child = amd.manifest.descriptor.digest;
    // Unsigned: neither the index nor a child.
    expect((await refusal(deployer.getManifest(repo, 'multi'))).status).toBe(412);
    expect((await refusal(deployer.getManifest(repo, child))).status).toBe(412);
    // cosign signs the index digest (no --recursive); pulling it and then a child by digest works.
    await pushObject(s.admin, repo, await simpleSignature(repo, digest, [trusted]), cosignTag(digest, 'sig'));
    expect((await deployer.getManifest(repo, 'multi')).digest).toBe(digest);
    expect((await deployer.getManifest(repo, child)).digest).toBe(child);
    expect((await deployer.getManifest(repo, arm.manifest.descriptor.digest)).digest).toBe(
      arm.manifest.descriptor.digest,
    );
  });

  it('lets a principal that may push read an unsigned manifest by digest (to sign it), and nothing more', async () => {
    const digest = await pushImage('to-sign');
    expect((await s.admin.getManifest(repo, digest)).digest).toBe(digest);
    expect((await s.admin.headManifest(repo, digest))?.digest).toBe(digest);
    expect((await refusal(s.admin.getManifest(repo, 'to-sign'))).status).toBe(412);
    expect((await refusal(deployer.getManifest(repo, digest))).status).toBe(412);
  });

  it('sees a new signature at once (the cached refusal is forgotten)', async () => {
    const digest = await pushImage('late');
    expect((await refusal(deployer.getManifest(repo, 'late'))).status).toBe(412);
    await pushObject(s.admin, repo, await simpleSignature(repo, digest, [trusted]), cosignTag(digest, 'sig'));
    expect((await deployer.getManifest(repo, 'late')).digest).toBe(digest);
    // Deleting the signature takes effect at once too.
    await s.admin.deleteManifest(repo, cosignTag(digest, 'sig'));
    expect((await refusal(deployer.getManifest(repo, 'late'))).status).toBe(412);
  });

  it('records each refused pull as a POLICY_DECISION with the reason', async () => {
    const digest = await pushImage('audited');
    const err = await refusal(deployer.getManifest(repo, 'audited'));
    const events = await s.decisions(repo);
    expect(events.find((e) => e.detail?.digest === digest)).toMatchObject({
      type: 'POLICY_DECISION',
      outcome: 'failure',
      project: 'team',
      repository: repo,
      actor: { kind: 'robot' },
      detail: {
        policy: 'signed-images',
        action: 'pull',
        decision: 'deny',
        reason: err.message,
        reference: 'audited',
      },
    });
  });

  it('changes nothing for projects without the rule, and stops refusing once it is turned off', async () => {
    await s.server.wharf.access.createProject({ name: 'free' });
    const image = makeImage();
    await pushArtifact(s.admin, 'free/app', 'v1', image);
    expect((await s.admin.getManifest('free/app', 'v1')).digest).toBe(image.manifest.descriptor.digest);
    const digest = await pushImage('toggled');
    expect((await refusal(deployer.getManifest(repo, 'toggled'))).status).toBe(412);
    await s.rules('team', { requireSigned: false });
    // The access service caches projects for up to 5 s in this process; the PATCH went through it.
    expect((await deployer.getManifest(repo, 'toggled')).digest).toBe(digest);
    await s.rules('team', { requireSigned: true });
  });
});
