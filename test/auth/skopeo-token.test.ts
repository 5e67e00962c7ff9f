import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSkopeo, Skopeo } from '../e2e/support/skopeo.js';
import { makeTarImage } from '../e2e/support/tar-image.js';
import { writeOciLayout } from '../helpers/images.js';
import { type AuthServer, startAuthServer } from './harness.js';
import { MemoryAccess } from './memory-access.js';
import { ROBOT_IN, ROBOT_OTHER, ROBOT_SECRET, seedAccess } from './world.js';

describe.skipIf(!hasSkopeo())('skopeo through token auth with robot accounts', () => {
  const image = makeTarImage({ layers: 2, size: 4096 });
  let server: AuthServer;
  let skopeo: Skopeo;
  let work: string;
  let host: string;

  beforeAll(async () => {
    const access = new MemoryAccess();
    seedAccess(access);
    server = await startAuthServer({ access });
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

  const push = (robot: string, repo: string) =>
    skopeo.run([
      'copy',
      '--preserve-digests',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${robot}:${ROBOT_SECRET}`,
      `oci:${join(work, 'src')}:v1`,
      `docker://${host}/${repo}:v1`,
    ]);
  const pull = (robot: string, repo: string, out: string) =>
    skopeo.run([
      'copy',
      '--preserve-digests',
      '--dest-oci-accept-uncompressed-layers',
      '--src-tls-verify=false',
      '--src-creds',
      `${robot}:${ROBOT_SECRET}`,
      `docker://${host}/${repo}:v1`,
      `oci:${join(work, out)}:v1`,
    ]);

  it('pushes and pulls back with the robot scoped to the project', async () => {
    const pushed = await push(ROBOT_IN, 'priv/skopeo');
    expect(pushed.code, pushed.stderr).toBe(0);
    const pulled = await pull(ROBOT_IN, 'priv/skopeo', 'out');
    expect(pulled.code, pulled.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(work, 'out', 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests[0]?.digest).toBe(image.manifest.descriptor.digest);
  });

  it('cannot push to or pull from a project the robot is not scoped to', async () => {
    const pushed = await push(ROBOT_OTHER, 'priv/intruder');
    expect(pushed.code).not.toBe(0);
    // Private and not scoped: invisible, so the registry answers as if it did not exist.
    expect(pushed.stderr).toMatch(/name unknown/i);
    const pulled = await pull(ROBOT_OTHER, 'priv/skopeo', 'stolen');
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr).toMatch(/name unknown/i);
  });

  it('fails to log in with a wrong secret', async () => {
    const r = await skopeo.run([
      'inspect',
      '--tls-verify=false',
      '--creds',
      `${ROBOT_IN}:wrong`,
      `docker://${host}/priv/skopeo:v1`,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized|authentication/i);
    expect(server.loginFailures.some((f) => f.username === ROBOT_IN)).toBe(true);
  });
});
