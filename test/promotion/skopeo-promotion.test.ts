import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, deploymentReview, keyVerification, policyYaml } from '../admission/support.js';
import { recorded } from '../api/harness.js';
import { hasSkopeo, Skopeo } from '../e2e/support/skopeo.js';
import { makeTarImage } from '../e2e/support/tar-image.js';
import { runCliCaptured, succeeded } from '../helpers/cli.js';
import { availableDialects } from '../helpers/dialects.js';
import { writeOciLayout } from '../helpers/images.js';
import { ADMIN_AUTH, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const dialects = await availableDialects();
const CREDS = `admin:${ADMIN_PASSWORD}`;
const KEY_PASSWORD = 'release key password';
const SLSA_V1 = 'https://slsa.dev/provenance/v1';

/**
 * The promotion workflow end to end with real skopeo: dev → staging (signature, SLSA provenance, QA
 * sign-off) → prod (release approval), the promoted tag immutable, a rollback of `stable` to its
 * last-known-good digest, and a revocation that stops pulls of the digest everywhere, denies it at
 * admission, deletes nothing, and is lifted again.
 */
describe.skipIf(!hasSkopeo()).each(dialects)('promotion with skopeo (%s)', (dialect) => {
  let dir: string;
  let server: TestServer;
  let skopeo: Skopeo;
  let host: string;
  const v1 = makeTarImage({ layers: 2 });
  const v2 = makeTarImage({ layers: 2 });
  const d1 = v1.manifest.descriptor.digest;
  const d2 = v2.manifest.descriptor.digest;
  const layout = () => join(dir, 'layout');
  const docker = (repo: string, ref: string) =>
    `docker://${host}/${repo}${ref.includes(':') ? '@' : ':'}${ref}`;

  const cli = (argv: string[]) =>
    runCliCaptured(argv, {
      env: { HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), COSIGN_PASSWORD: KEY_PASSWORD },
    });
  const ok = async (argv: string[]) => succeeded(argv, await cli(argv));
  const fails = async (argv: string[]) => {
    const r = await cli(argv);
    expect({ argv, code: r.code }).toEqual({ argv, code: 1 });
    expect(r.stderr).toMatch(/^wharf: [^\n]+\n$/);
    return r.stderr;
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: ADMIN_AUTH,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    recorded.push({ method, path: `/api/v1${path}`, status: res.status });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const inspectDigest = async (repo: string, ref: string) =>
    (
      JSON.parse(await skopeo.ok(['inspect', '--tls-verify=false', '--creds', CREDS, docker(repo, ref)])) as {
        Digest: string;
      }
    ).Digest;
  const copyOut = (repo: string, ref: string) =>
    skopeo.run([
      'copy',
      '--src-tls-verify=false',
      '--src-creds',
      CREDS,
      docker(repo, ref),
      `oci:${join(dir, 'out')}:x`,
    ]);
  const pushIn = (tag: 'v1' | 'v2', repo: string, ref: string) =>
    skopeo.run([
      'copy',
      '--preserve-digests',
      '--dest-tls-verify=false',
      '--dest-creds',
      CREDS,
      `oci:${layout()}:${tag}`,
      docker(repo, ref),
    ]);
  const review = async (image: string) => {
    const res = await fetch(`${server.url}/admission/v1/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(deploymentReview(deployment([image]), `uid-${Date.now()}`)),
    });
    return ((await res.json()) as { response: { allowed: boolean; status?: { message: string } } }).response;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-promotion-'));
    skopeo = await Skopeo.create();
    await writeOciLayout(layout(), [
      { tag: 'v1', artifact: v1 },
      { tag: 'v2', artifact: v2 },
    ]);
    await mkdir(join(dir, 'docker'));
    await ok(['key', 'generate', '--output-key-prefix', join(dir, 'cosign')]);
    const pub = await readFile(join(dir, 'cosign.pub'), 'utf8');
    const policy = join(dir, 'policy.yaml');
    await writeFile(
      policy,
      policyYaml([keyVerification('registry.internal/prod/*', pub)], {
        name: 'prod-signed',
        rule: 'signed-by-release-key',
      }),
    );
    server = await startTestServer({
      dialect,
      auth: 'token',
      config: { admission: { policies: [policy], registryHosts: ['registry.internal'] } },
    });
    host = new URL(server.url).host;
    const auth = Buffer.from(CREDS).toString('base64');
    await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
    for (const name of ['dev', 'staging', 'prod']) {
      await server.wharf.access.createProject({ name, public: false });
      if (name !== 'dev')
        expect(
          (await api('PATCH', `/projects/${name}`, { supplyChain: { trustedKeys: [pub] } })).status,
        ).toBe(200);
    }
    const staging = {
      from: ['dev'],
      requireSignature: true,
      requiredAttestations: [SLSA_V1],
      requiredApprovals: ['qa-signoff'],
    };
    expect((await api('PUT', '/projects/staging/promotion-gates', staging)).status).toBe(200);
    const prod = { from: ['staging'], requireSignature: true, requiredApprovals: ['release-approval'] };
    expect((await api('PUT', '/projects/prod/promotion-gates', prod)).status).toBe(200);
    const pushed = await pushIn('v1', 'dev/app', '1.4.0');
    expect(pushed.code, pushed.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await skopeo?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses the promotion to staging naming each failing gate', async () => {
    const err = await fails(['promote', `${host}/dev/app:1.4.0`, '--to', 'staging']);
    expect(err).toMatch(
      /refused by 3 gates: signature \(no signature .*\); attestation:https:\/\/slsa\.dev\/provenance\/v1 \(.*\); approval:qa-signoff \(no qa-signoff approval .*\) \(HTTP 403\)/,
    );
  });

  it('promotes to staging once signed, attested and approved; skopeo sees the same digest and its signature', async () => {
    const ref = `${host}/dev/app:1.4.0`;
    const predicate = join(dir, 'provenance.json');
    await ok([
      'provenance',
      ref,
      '--builder-id',
      'https://ci.example.com/builder',
      '--build-type',
      'https://ci.example.com/build/v1',
      '--output',
      predicate,
    ]);
    await ok([
      'attest',
      ref,
      '--key',
      join(dir, 'cosign.key'),
      '--predicate',
      predicate,
      '--type',
      'slsaprovenance1',
    ]);
    await ok(['sign', ref, '--key', join(dir, 'cosign.key')]);
    await ok(['approve', ref, '--for', 'staging', '--name', 'qa-signoff', '--comment', 'QA-123 passed']);
    const out = await ok(['promote', ref, '--to', 'staging']);
    expect(out).toMatch(new RegExp(`Promoted dev/app@${d1} to ${host}/staging/app:1\\.4\\.0`));
    expect(await inspectDigest('staging/app', '1.4.0')).toBe(d1);
    const copied = await copyOut('staging/app', '1.4.0');
    expect(copied.code, copied.stderr).toBe(0);
    expect(await ok(['verify', `${host}/staging/app:1.4.0`, '--key', join(dir, 'cosign.pub')])).toContain(d1);
  });

  it('denies pushing another digest to the promoted tag', async () => {
    const r = await pushIn('v2', 'staging/app', '1.4.0');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/denied|immutable/i);
    expect(await inspectDigest('staging/app', '1.4.0')).toBe(d1);
  });

  it('promotes staging to prod after the release approval', async () => {
    const ref = `${host}/staging/app:1.4.0`;
    expect(await fails(['promote', ref, '--to', 'prod', '--json'])).toMatch(/approval:release-approval/);
    await ok(['approve', ref, '--for', 'prod', '--name', 'release-approval']);
    const p = JSON.parse(await ok(['promote', ref, '--to', 'prod', '--json'])) as {
      repository: string;
      digest: string;
    };
    expect(p).toMatchObject({ repository: 'prod/app', digest: d1 });
    expect(await inspectDigest('prod/app', '1.4.0')).toBe(d1);
    expect((await review(`registry.internal/prod/app@${d1}`)).allowed).toBe(true);
  });

  it('rolls prod/app:stable back to its last-known-good digest, and refuses a digest it never held', async () => {
    expect((await pushIn('v1', 'prod/app', 'stable')).code).toBe(0);
    expect((await pushIn('v2', 'prod/app', 'stable')).code).toBe(0);
    expect(await inspectDigest('prod/app', 'stable')).toBe(d2);
    await ok(['rollback', `${host}/prod/app`, '--to', d1, '--tag', 'stable']);
    expect(await inspectDigest('prod/app', 'stable')).toBe(d1);
    // REPO:TAG names the tag as --tag does.
    expect((await pushIn('v2', 'prod/app', 'stable')).code).toBe(0);
    await ok(['rollback', `${host}/prod/app:stable`, '--to', d1]);
    expect(await inspectDigest('prod/app', 'stable')).toBe(d1);
    expect(await fails(['rollback', `${host}/prod/app:stable`, '--to', d1, '--tag', 'other'])).toMatch(
      /two tags given/,
    );
    const never = `sha256:${'0'.repeat(64)}`;
    expect(await fails(['rollback', `${host}/prod/app`, '--to', never, '--tag', 'stable'])).toMatch(
      /never was tag stable of prod\/app \(HTTP 409\)/,
    );
  });

  it('revokes the digest everywhere: pulls refused, admission denied, nothing deleted; un-revoking restores pulls', async () => {
    const out = await ok(['revoke', `${host}/prod/app:1.4.0`, '--reason', 'CVE-2026-1234 in libfoo']);
    const tag = `revoked-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    expect(out).toContain(`tagged prod/app:${tag}`);
    const tags = JSON.parse(
      await skopeo.ok(['list-tags', '--tls-verify=false', '--creds', CREDS, `docker://${host}/prod/app`]),
    ) as { Tags: string[] };
    expect(tags.Tags).toContain(tag);
    for (const repo of ['prod/app', 'staging/app', 'dev/app']) {
      const r = await copyOut(repo, d1);
      expect(r.code, repo).not.toBe(0);
      expect(r.stderr).toMatch(/412|revoked/i);
    }
    const denied = await review(`registry.internal/prod/app@${d1}`);
    expect(denied.allowed).toBe(false);
    expect(denied.status?.message).toMatch(/revoked by admin .*CVE-2026-1234/);
    const listed = (await api('GET', '/projects/prod/repositories/prod%2Fapp/artifacts')).body as {
      digest: string;
      tags: string[];
    }[];
    expect(listed.find((a) => a.digest === d1)?.tags).toEqual(
      expect.arrayContaining(['1.4.0', 'stable', tag]),
    );
    await ok(['unrevoke', `${host}/prod/app@${d1}`]);
    const again = await copyOut('staging/app', d1);
    expect(again.code, again.stderr).toBe(0);
  });
});
