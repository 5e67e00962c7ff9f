import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type AuthServer, startAuthServer } from '../auth/harness.js';
import { basic } from '../auth/world.js';
import { OCI_MANIFEST, sha256, type TestImage, writeOciLayout } from '../helpers/images.js';
import { hasBuildah, hasPodman, Podman } from '../helpers/podman.js';
import { V2 } from '../helpers/registry-client.js';
import { makeTarImage } from './support/tar-image.js';

const ADMIN_PASSWORD = 'pw-for-podman-tests-0123';

interface Manifest {
  config: { digest: string };
  layers: { digest: string; mediaType: string }[];
}

/**
 * Real podman (and buildah) against a registry with Docker token auth: a project robot logs in,
 * pushes and pulls in its project, and gets nowhere in a private project it is not scoped to.
 */
describe.skipIf(!hasPodman())('podman through token auth with a project robot', () => {
  let server: AuthServer;
  let admin: V2;
  let host: string;
  let work: string;
  let robot: { name: string; secret: string };

  beforeAll(async () => {
    server = await startAuthServer({});
    host = new URL(server.url).host;
    admin = new V2(server.url, basic('root', ADMIN_PASSWORD));
    await server.access.createUser({ username: 'root', password: ADMIN_PASSWORD, admin: true });
    await server.access.createProject({ name: 'team-payments' });
    await server.access.createProject({ name: 'team-search' });
    const created = await server.access.createRobot({
      project: 'team-payments',
      name: 'ci',
      permissions: [{ project: 'team-payments', actions: ['pull', 'push'] }],
    });
    robot = { name: created.robot.name, secret: created.secret };
    work = await mkdtemp(join(tmpdir(), 'wharf-e2e-podman-'));
  });
  afterAll(async () => {
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A fresh podman sandbox, removed when the test ends. */
  async function sandbox(): Promise<Podman> {
    const podman = await Podman.create();
    onTestFinished(() => podman.cleanup());
    return podman;
  }

  /** Writes `image` as an OCI layout and imports it into `podman` as `name`; returns the image ID. */
  async function load(podman: Podman, image: TestImage, name: string): Promise<string> {
    const layout = join(work, image.manifest.descriptor.digest.slice(7, 19));
    await writeOciLayout(layout, [{ tag: 'src', artifact: image }]);
    return podman.loadOciLayout(layout, 'src', name);
  }

  /** The manifest the registry holds, read as the admin: its digest header, bytes' digest and body. */
  async function stored(repo: string, ref: string) {
    const r = await admin.fetch(`/v2/${repo}/manifests/${ref}`, {
      headers: { accept: `${OCI_MANIFEST}, application/vnd.docker.distribution.manifest.v2+json` },
    });
    if (r.status !== 200) return { status: r.status };
    const bytes = Buffer.from(await r.arrayBuffer());
    return {
      status: r.status,
      header: r.headers.get('docker-content-digest'),
      digest: sha256(bytes),
      manifest: JSON.parse(bytes.toString('utf8')) as Manifest,
    };
  }

  async function adminPush(repo: string, tag: string, image: TestImage): Promise<void> {
    for (const b of image.blobs) {
      const r = await admin.fetch(`/v2/${repo}/blobs/uploads/?digest=${b.descriptor.digest}`, {
        method: 'POST',
        body: b.bytes,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(r.status).toBe(201);
    }
    const r = await admin.fetch(`/v2/${repo}/manifests/${tag}`, {
      method: 'PUT',
      body: image.manifest.bytes,
      headers: { 'content-type': OCI_MANIFEST },
    });
    expect(r.status).toBe(201);
  }

  it('logs in as the robot, pushes to its project, removes the image and pulls it back', async () => {
    expect(robot.name).toBe('robot$team-payments+ci');
    const podman = await sandbox();
    const login = await podman.login(host, robot.name, robot.secret);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/login succeeded/i);
    // The name went through unmangled: `$` and `+` and all.
    const auths = JSON.parse(await readFile(podman.authFile, 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(auths.auths[host]?.auth ?? '', 'base64').toString()).toBe(
      `${robot.name}:${robot.secret}`,
    );

    const image = makeTarImage({ layers: 2, size: 8192 });
    const ref = `${host}/team-payments/api:1.0`;
    const id = await load(podman, image, ref);
    expect(`sha256:${id}`).toBe(image.config.descriptor.digest);

    const digestFile = join(podman.dir, 'pushed.digest');
    await podman.ok(['push', '--tls-verify=false', '--digestfile', digestFile, ref]);
    const pushed = (await readFile(digestFile, 'utf8')).trim();
    expect(pushed).toMatch(/^sha256:[0-9a-f]{64}$/);

    const held = await stored('team-payments/api', '1.0');
    expect(held.status).toBe(200);
    expect(held.header).toBe(pushed);
    expect(held.digest).toBe(pushed);
    // podman keeps the config byte for byte (its digest is the image ID); it recompresses layers.
    expect(held.manifest?.config.digest).toBe(image.config.descriptor.digest);
    expect(held.manifest?.layers).toHaveLength(2);
    for (const layer of held.manifest?.layers ?? []) {
      const r = await admin.fetch(`/v2/team-payments/api/blobs/${layer.digest}`, { method: 'HEAD' });
      expect(r.status, layer.digest).toBe(200);
    }

    await podman.ok(['rmi', '--force', id]);
    expect(await podman.imageExists(id)).toBe(false);
    await podman.ok(['pull', '--tls-verify=false', ref]);
    const inspected = (await podman.ok(['image', 'inspect', '--format', '{{.Id}} {{.Digest}}', ref])).trim();
    expect(inspected).toBe(`${id} ${pushed}`);
    const repoDigests = await podman.ok(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
    expect(JSON.parse(repoDigests)).toContain(`${host}/team-payments/api@${pushed}`);
  });

  it('cannot push to or pull from a private project the robot is not scoped to', async () => {
    const theirs = makeTarImage({ layers: 1, size: 4096 });
    await adminPush('team-search/api', '1.0', theirs);
    const podman = await sandbox();
    const login = await podman.login(host, robot.name, robot.secret);
    expect(login.code, login.stderr).toBe(0);

    const mine = makeTarImage({ layers: 1, size: 4096 });
    const id = await load(podman, mine, `${host}/team-search/api:1.0`);
    await podman.ok(['tag', id, `${host}/team-search/intruder:1.0`]);
    for (const repo of ['team-search/api', 'team-search/intruder']) {
      const push = await podman.run(['push', '--tls-verify=false', `${host}/${repo}:1.0`]);
      expect(push.code, push.stderr).not.toBe(0);
      // Private and not scoped: invisible, so the registry answers as if it did not exist.
      expect(push.stderr).toMatch(/initiating layer upload to \/v2\/team-search\/.*name unknown/i);
    }

    const pull = await podman.run(['pull', '--tls-verify=false', `${host}/team-search/api:1.0`]);
    expect(pull.code, pull.stderr).not.toBe(0);
    expect(pull.stderr).toMatch(/reading manifest .* in .*team-search\/api: name unknown/i);
    expect(await podman.imageExists(theirs.config.descriptor.digest.slice(7))).toBe(false);

    // Nothing was stored: the tag still names the admin's image, the other repository never came to be,
    // and none of the robot's content reached the project.
    const held = await stored('team-search/api', '1.0');
    expect(held.header).toBe(theirs.manifest.descriptor.digest);
    const tags = await admin.fetch('/v2/team-search/api/tags/list');
    expect(((await tags.json()) as { tags: string[] }).tags).toEqual(['1.0']);
    expect((await stored('team-search/intruder', '1.0')).status).toBe(404);
    for (const repo of ['team-search/api', 'team-search/intruder']) {
      const r = await admin.fetch(`/v2/${repo}/blobs/${mine.config.descriptor.digest}`, { method: 'HEAD' });
      expect(r.status).toBe(404);
    }

    // The same image is there for whoever may see it: the admin pulls it with the same podman.
    await podman.ok([
      'pull',
      '--tls-verify=false',
      '--creds',
      `root:${ADMIN_PASSWORD}`,
      `${host}/team-search/api:1.0`,
    ]);
    expect(await podman.imageExists(theirs.config.descriptor.digest.slice(7))).toBe(true);
  });

  it('refuses podman login with a wrong secret', async () => {
    const podman = await sandbox();
    const before = (await server.loginFailures()).length;
    const login = await podman.login(host, robot.name, `${robot.secret}-wrong`);
    expect(login.code).not.toBe(0);
    expect(login.stderr).toMatch(/logging into .*: invalid username\/password/i);
    const auths = JSON.parse(await readFile(podman.authFile, 'utf8')) as { auths: Record<string, unknown> };
    expect(auths.auths[host]).toBeUndefined();
    const failures = (await server.loginFailures()).slice(before);
    expect(failures.some((f) => f.actor.name === robot.name)).toBe(true);
  });

  it.skipIf(!hasBuildah())(
    'builds an image with buildah (FROM scratch, chroot isolation) and pushes it as the robot',
    async () => {
      const podman = await sandbox();
      const login = await podman.login(host, robot.name, robot.secret);
      expect(login.code, login.stderr).toBe(0);
      const ref = `${host}/team-payments/built:1.0`;
      await podman.buildScratchImage(ref, { name: 'hello.txt', text: 'hello from buildah\n' });
      // buildah reads the auth file podman login wrote: one sandbox, one login.
      const pushed = await podman.pushWithDigest(ref);
      const held = await stored('team-payments/built', '1.0');
      expect(held.header).toBe(pushed);
      expect(held.digest).toBe(pushed);
      expect(held.manifest?.layers).toHaveLength(1);
      const layer = held.manifest?.layers[0];
      const blob = await admin.fetch(`/v2/team-payments/built/blobs/${layer?.digest}`);
      expect(blob.status).toBe(200);
      const tar = gunzipSync(Buffer.from(await blob.arrayBuffer())).toString('latin1');
      expect(tar).toContain('hello.txt');
      expect(tar).toContain('hello from buildah\n');

      // And the robot is held to its project here too.
      await podman.buildahOk(['tag', ref, `${host}/team-search/built:1.0`]);
      const denied = await podman.buildah(['push', '--tls-verify=false', `${host}/team-search/built:1.0`]);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toMatch(/name unknown/i);
      expect((await stored('team-search/built', '1.0')).status).toBe(404);
    },
  );
});
