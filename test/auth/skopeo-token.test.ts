import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSkopeo, Skopeo } from '../e2e/support/skopeo.js';
import { makeTarImage } from '../e2e/support/tar-image.js';
import { writeOciLayout } from '../helpers/images.js';
import { type AuthServer, startAuthServer } from './harness.js';
import { seedAccess, type World } from './world.js';

describe.skipIf(!hasSkopeo())('skopeo through token auth with robot accounts', () => {
  const image = makeTarImage({ layers: 2, size: 4096 });
  let server: AuthServer;
  let world: World;
  let skopeo: Skopeo;
  let work: string;
  let host: string;

  beforeAll(async () => {
    server = await startAuthServer({});
    world = await seedAccess(server.access);
    host = new URL(server.url).host;
    skopeo = await Skopeo.create();
    work = await mkdtemp(join(tmpdir(), 'wharf-auth-skopeo-'));
    await writeOciLayout(join(work, 'src'), [{ tag: 'v1', artifact: image }]);
  });
  afterAll(async () => {
    await server?.close();
    await skopeo?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const push = (robot: { name: string; secret: string }, repo: string) =>
    skopeo.run([
      'copy',
      '--preserve-digests',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${robot.name}:${robot.secret}`,
      `oci:${join(work, 'src')}:v1`,
      `docker://${host}/${repo}:v1`,
    ]);
  const pull = (robot: { name: string; secret: string }, repo: string, out: string) =>
    skopeo.run([
      'copy',
      '--preserve-digests',
      '--dest-oci-accept-uncompressed-layers',
      '--src-tls-verify=false',
      '--src-creds',
      `${robot.name}:${robot.secret}`,
      `docker://${host}/${repo}:v1`,
      `oci:${join(work, out)}:v1`,
    ]);

  it('pushes and pulls back with the robot scoped to the project', async () => {
    const pushed = await push(world.robotIn, 'priv/skopeo');
    expect(pushed.code, pushed.stderr).toBe(0);
    const pulled = await pull(world.robotIn, 'priv/skopeo', 'out');
    expect(pulled.code, pulled.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(work, 'out', 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests[0]?.digest).toBe(image.manifest.descriptor.digest);
  });

  it('cannot push to or pull from a project the robot is not scoped to', async () => {
    const pushed = await push(world.robotOther, 'priv/intruder');
    expect(pushed.code).not.toBe(0);
    // Private and not scoped: invisible, so the registry answers as if it did not exist.
    expect(pushed.stderr).toMatch(/name unknown/i);
    const pulled = await pull(world.robotOther, 'priv/skopeo', 'stolen');
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr).toMatch(/name unknown/i);
  });

  it('fails to log in with a wrong secret', async () => {
    const r = await skopeo.run([
      'inspect',
      '--tls-verify=false',
      '--creds',
      `${world.robotIn.name}:wrong`,
      `docker://${host}/priv/skopeo:v1`,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized|authentication/i);
    const failures = await server.loginFailures();
    expect(failures.some((f) => f.actor.name === world.robotIn.name && f.actor.kind === 'robot')).toBe(true);
  });
});
