import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, type TestImage } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import {
  attestationTag,
  bundleReferrer,
  cosignTag,
  newSigner,
  OCI_MANIFEST,
  provenancePredicate,
  pushObject,
  refusal,
  SLSA_V1,
  simpleSignature,
} from './cosign.js';
import { type SupplyChainServer, startSupplyChainServer } from './harness.js';

const dialects = await availableDialects();

describe.each(dialects)('provenance at push over HTTP (%s)', (dialect) => {
  let s: SupplyChainServer;
  const builder = newSigner();
  const stranger = newSigner();
  const repo = 'rel/app';

  beforeAll(async () => {
    s = await startSupplyChainServer(dialect);
    await s.server.wharf.access.createProject({ name: 'rel' });
    await s.rules('rel', { trustedKeys: [builder.pem], provenanceTagPattern: 'v*' });
  });
  afterAll(() => s?.stop());

  /** Pushes the image by digest only (blobs, then the manifest under its digest). */
  async function pushByDigest(image: TestImage = makeImage()): Promise<TestImage> {
    await pushArtifact(s.admin, repo, image.manifest.descriptor.digest, image);
    return image;
  }

  const tag = (image: TestImage, name: string) =>
    s.admin.putManifest(repo, name, image.manifest.bytes, OCI_MANIFEST);

  it('refuses a matching tag without provenance (403 DENIED naming the rule); other tags are unaffected', async () => {
    const image = await pushByDigest();
    const digest = image.manifest.descriptor.digest;
    expect(await refusal(tag(image, 'v1.0'))).toEqual({
      status: 403,
      code: 'DENIED',
      message:
        `tag v1.0 matches the provenance rule of project rel (v*): no SLSA provenance attestation for ${digest} ` +
        `(looked for referrers and ${cosignTag(digest, 'att')}); push by digest, attest that digest, then tag it`,
    });
    expect(await tag(image, 'latest')).toBe(digest);
    expect(await tag(image, 'dev-v1')).toBe(digest);
    // Pushing straight to the tag is refused the same way (the digest has no attestation yet).
    const fresh = makeImage();
    await expect(pushArtifact(s.admin, repo, 'v9', fresh)).rejects.toMatchObject({
      status: 403,
      code: 'DENIED',
    });
  });

  it('accepts the tag once a trusted SLSA provenance attestation is in the .att tag', async () => {
    const image = await pushByDigest();
    const digest = image.manifest.descriptor.digest;
    await pushObject(
      s.admin,
      repo,
      await attestationTag(digest, builder, SLSA_V1, provenancePredicate()),
      cosignTag(digest, 'att'),
    );
    expect(await tag(image, 'v1.0')).toBe(digest);
  });

  it('accepts SLSA v0.2 provenance in a bundle referrer', async () => {
    const image = await pushByDigest();
    const subject = { digest: image.manifest.descriptor.digest, size: image.manifest.bytes.length };
    await pushObject(
      s.admin,
      repo,
      await bundleReferrer(subject, builder, 'https://slsa.dev/provenance/v0.2', {
        builder: { id: 'https://ci.example.com' },
      }),
    );
    expect(await tag(image, 'v2.0')).toBe(subject.digest);
  });

  it('refuses provenance from an untrusted key, and attestations of another kind, saying so', async () => {
    const image = await pushByDigest();
    const digest = image.manifest.descriptor.digest;
    const att = cosignTag(digest, 'att');
    await pushObject(
      s.admin,
      repo,
      await attestationTag(digest, stranger, SLSA_V1, provenancePredicate()),
      att,
    );
    expect((await refusal(tag(image, 'v3.0'))).message).toContain(
      `no valid SLSA provenance attestation for ${digest}: ${att}: signature does not verify with any of the project's 1 trusted key`,
    );
    await pushObject(
      s.admin,
      repo,
      await attestationTag(digest, builder, 'https://spdx.dev/Document', { spdxVersion: 'SPDX-2.3' }),
      att,
    );
    expect((await refusal(tag(image, 'v3.0'))).message).toContain(
      `${att}: a https://spdx.dev/Document attestation, not SLSA provenance`,
    );
    // A plain signature is not provenance either.
    const subject = { digest, size: image.manifest.bytes.length };
    await pushObject(s.admin, repo, await bundleReferrer(subject, builder));
    expect((await refusal(tag(image, 'v3.0'))).status).toBe(403);
  });

  it("never refuses cosign's own tags or referrers, even under a pattern that matches everything", async () => {
    await s.rules('rel', { provenanceTagPattern: '*' });
    try {
      const image = await pushByDigest();
      const digest = image.manifest.descriptor.digest;
      await pushObject(
        s.admin,
        repo,
        await simpleSignature(repo, digest, [builder]),
        cosignTag(digest, 'sig'),
      );
      await pushObject(
        s.admin,
        repo,
        await attestationTag(digest, stranger, SLSA_V1, {}),
        cosignTag(digest, 'att'),
      );
      expect((await refusal(tag(image, 'anything'))).status).toBe(403);
    } finally {
      await s.rules('rel', { provenanceTagPattern: 'v*' });
    }
  });

  it('records each refusal as a POLICY_DECISION naming the provenance rule', async () => {
    const image = await pushByDigest();
    const err = await refusal(tag(image, 'v4.0'));
    const [event] = await s.decisions(repo);
    expect(event).toMatchObject({
      type: 'POLICY_DECISION',
      outcome: 'failure',
      project: 'rel',
      repository: repo,
      digest: image.manifest.descriptor.digest,
      detail: {
        policy: 'provenance',
        action: 'push-manifest',
        decision: 'deny',
        code: 'DENIED',
        message: err.message,
        tag: 'v4.0',
        pattern: 'v*',
      },
    });
  });
});
