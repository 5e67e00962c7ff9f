import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CopyProgress,
  copyImage,
  LayoutEndpoint,
  OciLayout,
  parseImageLocation,
  RegistryClient,
  RegistryEndpoint,
} from '../../src/client/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { parseReference } from '../../src/oci/reference.js';
import { hasSkopeo } from '../e2e/support/skopeo.js';
import { type DockerRegistry, startDockerRegistry } from '../helpers/docker-registry.js';
import {
  allContent,
  makeImage,
  makeMultiPlatformIndex,
  type TestArtifact,
  writeOciLayout,
} from '../helpers/images.js';

let reg: DockerRegistry;
let client: RegistryClient;
let tmp: string;

beforeAll(async () => {
  reg = await startDockerRegistry();
  client = new RegistryClient({ registry: reg.host, chunkSize: 32 * 1024 });
  tmp = await mkdtemp(join(tmpdir(), 'wharf-copy-'));
});
afterAll(async () => {
  await reg?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const toRegistry = (ref: string) => new RegistryEndpoint(client, parseReference(`${reg.host}/${ref}`));

/** Every blob file of a layout, by name, with its bytes. */
async function layoutFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of await readdir(join(dir, 'blobs', 'sha256'))) {
    out.set(name, await readFile(join(dir, 'blobs', 'sha256', name)));
  }
  return out;
}

async function roundTrip(name: string, artifact: TestArtifact) {
  const srcDir = join(tmp, `${name}-src`);
  const dstDir = join(tmp, `${name}-dst`);
  await writeOciLayout(srcDir, [{ tag: 'v1', artifact }]);
  const events: CopyProgress[] = [];
  const up = await copyImage(new LayoutEndpoint(srcDir, 'v1', false), toRegistry(`${name}:v1`), {
    onProgress: (p) => events.push({ ...p }),
  });
  const down = await copyImage(toRegistry(`${name}:v1`), new LayoutEndpoint(dstDir, 'copied', true));
  return { srcDir, dstDir, up, down, events };
}

describe('copyImage', () => {
  it('copies a multi-layer image layout → registry → layout with identical bytes', async () => {
    const image = makeImage({ layers: 4, size: 100 * 1024 });
    const { srcDir, dstDir, up, down, events } = await roundTrip('multi-layer', image);
    expect(up.digest).toBe(image.manifest.descriptor.digest);
    expect(down.digest).toBe(up.digest);
    expect(up.blobsCopied).toBe(5);
    expect(await layoutFiles(dstDir)).toEqual(await layoutFiles(srcDir));
    const last = events.at(-1);
    expect(last?.bytesDone).toBe(last?.bytesTotal);
    expect(last?.bytesTotal).toBe(image.blobs.reduce((n, b) => n + b.bytes.length, 0));
    expect(events.some((e) => e.bytesDone > 0 && e.bytesDone < e.bytesTotal)).toBe(true);
    const layout = await OciLayout.open(dstDir);
    expect((await layout.resolve('copied')).digest).toBe(up.digest);
  });

  it('copies every platform of an index, children before the index', async () => {
    const index = makeMultiPlatformIndex({ layers: 2, size: 4096 });
    const { srcDir, dstDir, up, down } = await roundTrip('multi-arch', index);
    expect(up.digest).toBe(index.manifest.descriptor.digest);
    expect(up.manifests).toBe(3);
    expect(down.digest).toBe(up.digest);
    expect(await layoutFiles(dstDir)).toEqual(await layoutFiles(srcDir));
    expect((await layoutFiles(dstDir)).size).toBe(allContent(index).length);
    for (const child of index.children) {
      const got = await client.getManifest('multi-arch', child.manifest.descriptor.digest);
      expect(got.bytes.equals(child.manifest.bytes)).toBe(true);
    }
  });

  it('skips blobs the destination has and mounts across repositories of one registry', async () => {
    const image = makeImage({ layers: 3, size: 2048 });
    const dir = join(tmp, 'skip-src');
    await writeOciLayout(dir, [{ tag: 'v1', artifact: image }]);
    await copyImage(new LayoutEndpoint(dir, 'v1', false), toRegistry('skip/a:v1'));
    const again = await copyImage(new LayoutEndpoint(dir, 'v1', false), toRegistry('skip/a:v2'));
    expect(again.blobsSkipped).toBe(4);
    expect(again.blobsCopied).toBe(0);
    const mounted = await copyImage(toRegistry('skip/a:v1'), toRegistry('skip/b:v1'));
    expect(mounted.blobsMounted).toBe(4);
    expect((await client.listTags('skip/a')).sort()).toEqual(['v1', 'v2']);
  });

  it('copies a manifest carrying a subject like any other', async () => {
    const image = makeImage({ layers: 1 });
    const sig = makeImage({
      layers: 1,
      artifactType: 'application/vnd.example.sig',
      subject: image.manifest.descriptor,
    });
    const dir = join(tmp, 'subject-src');
    await writeOciLayout(dir, [
      { tag: 'v1', artifact: image },
      { tag: 'sig', artifact: sig },
    ]);
    await copyImage(new LayoutEndpoint(dir, 'v1', false), toRegistry('subj:v1'));
    const r = await copyImage(
      new LayoutEndpoint(dir, 'sig', false),
      toRegistry(`subj@${sig.manifest.descriptor.digest}`),
    );
    expect(r.digest).toBe(sig.manifest.descriptor.digest);
    const got = await client.getManifest('subj', sig.manifest.descriptor.digest as Digest);
    expect(got.bytes.equals(sig.manifest.bytes)).toBe(true);
  });

  it('fails with a one-line error for a missing tag', async () => {
    const dir = join(tmp, 'missing');
    await writeOciLayout(dir, [{ tag: 'v1', artifact: makeImage({ layers: 1 }) }]);
    await expect(copyImage(new LayoutEndpoint(dir, 'nope', false), toRegistry('x:v1'))).rejects.toThrow(
      /no image tagged "nope"/,
    );
    await expect(copyImage(toRegistry('missing:v1'), new LayoutEndpoint(dir, 'x', true))).rejects.toThrow(
      /HTTP 404: (MANIFEST_UNKNOWN|NAME_UNKNOWN)/,
    );
  });

  it.skipIf(!hasSkopeo())('writes layouts skopeo can read', async () => {
    const index = makeMultiPlatformIndex({ layers: 1, size: 512 });
    const { dstDir } = await roundTrip('skopeo-check', index);
    const r = spawnSync('skopeo', ['inspect', '--raw', `oci:${dstDir}:copied`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(Buffer.from(r.stdout).equals(index.manifest.bytes)).toBe(true);
    const child = spawnSync(
      'skopeo',
      ['inspect', '--override-arch', 'arm64', '--override-variant', 'v8', `oci:${dstDir}:copied`],
      {
        encoding: 'utf8',
      },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout).Architecture).toBe('arm64');
  });
});

describe('parseImageLocation', () => {
  it('parses skopeo-style locations', () => {
    expect(parseImageLocation('oci:/tmp/x:v1')).toEqual({ kind: 'oci', dir: '/tmp/x', tag: 'v1' });
    expect(parseImageLocation('oci:rel/dir')).toEqual({ kind: 'oci', dir: 'rel/dir' });
    expect(parseImageLocation('docker://localhost:5000/a:b')).toMatchObject({
      kind: 'registry',
      ref: { registry: 'localhost:5000', repository: 'a', tag: 'b' },
    });
    expect(parseImageLocation('alpine')).toMatchObject({
      kind: 'registry',
      ref: { repository: 'library/alpine' },
    });
    expect(() => parseImageLocation('oci:')).toThrow(/missing directory/);
    expect(() => parseImageLocation('docker://UP')).toThrow(/invalid reference/);
  });
});
