import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, deploymentReview, keyVerification, policyYaml } from '../admission/support.js';
import { until } from '../events/receiver.js';
import { runCliCaptured, succeeded } from '../helpers/cli.js';
import { hasBuildah, Podman } from '../helpers/podman.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const KEY_PASSWORD = 'pipeline key password';
const BUILD_TYPE = 'https://github.com/slsa-framework/slsa-github-generator/container@v1';

/** The seed's verify-slsa-provenance policy, corrected (key attestor, SLSA v1 type), scoped to `images`. */
function policy(name: string, action: 'Enforce' | 'Audit', images: string, publicKey: string): string {
  const attestations = [
    {
      type: 'https://slsa.dev/provenance/v1',
      conditions: [
        {
          all: [
            {
              key: '{{ buildDefinition.buildType }}',
              operator: 'Equals',
              value: 'https://github.com/slsa-framework/*',
            },
          ],
        },
      ],
    },
  ];
  return policyYaml([keyVerification(images, publicKey, { attestations })], {
    name,
    action,
    rule: 'check-signature-and-provenance',
  });
}

interface ReviewResponse {
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    patchType?: string;
    patch?: string;
    warnings?: string[];
  };
}

/**
 * The enterprise pipeline end to end, with real tools: buildah builds and pushes (vfs, chroot
 * isolation), `wharf provenance` + `wharf attest` + `wharf sign` attach SLSA provenance and a
 * signature, and the server's Kubernetes admission webhook admits the Deployment (patching the tag
 * to the digest), denies an unsigned image naming the rule, and only warns in Audit mode.
 */
describe.skipIf(!hasBuildah())('supply chain: build, attest, sign, admit', () => {
  let dir: string;
  let server: TestServer;
  let podman: Podman;
  let host: string;
  let pushed: Record<string, string>;

  const cli = async (argv: string[]) =>
    succeeded(
      argv,
      await runCliCaptured(argv, {
        env: { HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), COSIGN_PASSWORD: KEY_PASSWORD },
      }),
    );
  const review = async (phase: 'mutate' | 'validate', image: string): Promise<ReviewResponse> => {
    const res = await fetch(`${server.url}/admission/v1/${phase}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(deploymentReview(deployment([image]), `uid-${phase}-${image}`)),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as ReviewResponse;
  };
  /** buildah builds a one-file image FROM scratch and pushes it; the pushed manifest digest. */
  const build = async (repo: string, text: string): Promise<string> => {
    const ref = `${host}/${repo}:1.0`;
    await podman.buildScratchImage(ref, { name: 'hello.txt', text });
    return podman.pushWithDigest(ref);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-supply-chain-'));
    await cli(['key', 'generate', '--output-key-prefix', join(dir, 'cosign')]);
    const pub = await readFile(join(dir, 'cosign.pub'), 'utf8');
    const enforce = join(dir, 'enforce.yaml');
    const audit = join(dir, 'audit.yaml');
    await writeFile(enforce, policy('verify-slsa-provenance', 'Enforce', 'registry.internal/team/*', pub));
    await writeFile(audit, policy('audit-sandbox', 'Audit', 'registry.internal/sandbox/*', pub));
    server = await startTestServer({
      auth: 'token',
      config: { admission: { policies: [enforce, audit], registryHosts: ['registry.internal'] } },
    });
    host = new URL(server.url).host;
    const auth = Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64');
    await mkdir(join(dir, 'docker'));
    await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
    podman = await Podman.create();
    const login = await podman.login(host, 'admin', ADMIN_PASSWORD);
    expect(login.code, login.stderr).toBe(0);
    pushed = {
      app: await build('team/app', 'the payments api\n'),
      unsigned: await build('team/unsigned', 'nobody signed me\n'),
      sandbox: await build('sandbox/app', 'a sandbox experiment\n'),
    };
    const ref = `${host}/team/app:1.0`;
    const predicate = join(dir, 'provenance.json');
    await cli([
      'provenance',
      ref,
      '--builder-id',
      'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder.yml@refs/tags/v2.0.0',
      '--build-type',
      BUILD_TYPE,
      '--external-param',
      'repository=https://github.com/myorg/payments',
      '--output',
      predicate,
    ]);
    await cli([
      'attest',
      ref,
      '--key',
      join(dir, 'cosign.key'),
      '--predicate',
      predicate,
      '--type',
      'slsaprovenance1',
    ]);
    await cli(['sign', ref, '--key', join(dir, 'cosign.key')]);
  }, 240_000);
  afterAll(async () => {
    await podman?.cleanup();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('wharf verify and verify-attestation accept what the pipeline attached', async () => {
    const ref = `${host}/team/app:1.0`;
    const pub = join(dir, 'cosign.pub');
    expect(await cli(['verify', ref, '--key', pub])).toContain(pushed.app);
    const att = JSON.parse(
      await cli(['verify-attestation', ref, '--key', pub, '--type', 'slsaprovenance1', '--output', 'json']),
    );
    expect(JSON.stringify(att)).toContain(BUILD_TYPE);
  });

  it('admits the signed, attested Deployment and patches its tag to the digest', async () => {
    const image = 'registry.internal/team/app:1.0';
    const mutated = await review('mutate', image);
    expect(mutated.response).toMatchObject({
      uid: `uid-mutate-${image}`,
      allowed: true,
      patchType: 'JSONPatch',
    });
    const patch = JSON.parse(Buffer.from(mutated.response.patch ?? '', 'base64').toString());
    expect(patch).toEqual([
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${image}@${pushed.app}` },
    ]);
    const validated = await review('validate', `${image}@${pushed.app}`);
    expect(validated.response.allowed).toBe(true);
  });

  it('denies an unsigned image with a message naming the failed rule', async () => {
    const validated = await review('validate', 'registry.internal/team/unsigned:1.0');
    expect(validated.response.allowed).toBe(false);
    expect(validated.response.status?.code).toBe(403);
    expect(validated.response.status?.message).toMatch(/verify-slsa-provenance/);
    expect(validated.response.status?.message).toMatch(/check-signature-and-provenance/);
  });

  it('allows an unsigned image with a warning in Audit mode, and records every decision', async () => {
    const validated = await review('validate', 'registry.internal/sandbox/app:1.0');
    expect(validated.response.allowed).toBe(true);
    expect(validated.response.warnings?.join('\n')).toMatch(/audit-sandbox/);
    const decisions = await until(async () => {
      await server.wharf.eventing.flushPulls();
      const { events } = await server.wharf.eventing.audit.query({ types: ['POLICY_DECISION'], limit: 50 });
      const admission = events.filter((e) => e.detail?.policy === 'admission');
      return admission.length >= 4 && admission;
    });
    const kinds = decisions.map((e) => [e.outcome, e.detail?.decision]);
    expect(kinds).toContainEqual(['failure', 'deny']);
    expect(kinds).toContainEqual(['success', 'warn']);
    expect(kinds).toContainEqual(['success', 'allow']);
  });
});
