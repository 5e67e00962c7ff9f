import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { allContent, sha256, type TestArtifact, writeOciLayout } from '../helpers/images.js';
import { V2 } from '../helpers/registry-client.js';
import { ADMIN_AUTH, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { hasSkopeo, Skopeo } from './support/skopeo.js';
import { makeTarImage, makeTarIndex } from './support/tar-image.js';

const dialects = await availableDialects();
const REPO = 'e2e/app';
const CREDS = `admin:${ADMIN_PASSWORD}`;

interface LayoutEntry {
  digest: string;
  mediaType: string;
  annotations?: Record<string, string>;
}

async function layoutIndex(dir: string): Promise<LayoutEntry[]> {
  const doc = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: LayoutEntry[] };
  return doc.manifests;
}

function taggedDigest(entries: LayoutEntry[], tag: string): string | undefined {
  return entries.find((e) => e.annotations?.['org.opencontainers.image.ref.name'] === tag)?.digest;
}

/** Every file under `<layout>/blobs/sha256`, by digest. */
async function layoutBlobs(dir: string): Promise<Map<string, Buffer>> {
  const root = join(dir, 'blobs', 'sha256');
  const out = new Map<string, Buffer>();
  for (const name of await readdir(root)) out.set(`sha256:${name}`, await readFile(join(root, name)));
  return out;
}

describe.skipIf(!hasSkopeo()).each(dialects)('skopeo against wharf, auth basic (%s)', (dialect) => {
  const index = makeTarIndex({ layers: 3, size: 8192 });
  const single = makeTarImage({ layers: 4, size: 4096 });
  let server: TestServer;
  let skopeo: Skopeo;
  let work: string;
  let v2: V2;
  let host: string;
  const src = () => join(work, 'src');
  const out = () => join(work, 'out');
  const ref = (tagOrDigest: string) =>
    `docker://${host}/${REPO}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wharf-e2e-skopeo-'));
    skopeo = await Skopeo.create();
    server = await startTestServer({ dialect, auth: 'basic' });
    v2 = new V2(server.url, ADMIN_AUTH);
    host = new URL(server.url).host;
    await writeOciLayout(src(), [
      { tag: 'multi', artifact: index },
      { tag: 'single', artifact: single },
    ]);
  });

  afterAll(async () => {
    await server?.stop();
    await skopeo?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function expectStored(a: TestArtifact, reference: string): Promise<void> {
    const m = await v2.fetch(`/v2/${REPO}/manifests/${reference}`, {
      headers: { accept: a.manifest.descriptor.mediaType },
    });
    expect(m.status).toBe(200);
    expect(m.headers.get('docker-content-digest')).toBe(a.manifest.descriptor.digest);
    expect(Buffer.from(await m.arrayBuffer()).equals(a.manifest.bytes)).toBe(true);
    for (const b of a.blobs) {
      const r = await v2.fetch(`/v2/${REPO}/blobs/${b.descriptor.digest}`);
      expect(r.status).toBe(200);
      expect(sha256(Buffer.from(await r.arrayBuffer()))).toBe(b.descriptor.digest);
    }
  }

  it('copies a multi-platform index and a 4-layer image in with `skopeo copy --all`', async () => {
    for (const tag of ['multi', 'single']) {
      await skopeo.ok([
        'copy',
        '--all',
        '--preserve-digests',
        '--dest-tls-verify=false',
        '--dest-creds',
        CREDS,
        `oci:${src()}:${tag}`,
        ref(tag),
      ]);
    }
    await expectStored(index, 'multi');
    for (const child of index.children) await expectStored(child, child.manifest.descriptor.digest);
    await expectStored(single, 'single');
  });

  it('copies them back out byte-identical', async () => {
    for (const tag of ['multi', 'single']) {
      await skopeo.ok([
        'copy',
        '--all',
        '--preserve-digests',
        '--dest-oci-accept-uncompressed-layers',
        '--src-tls-verify=false',
        '--src-creds',
        CREDS,
        ref(tag),
        `oci:${out()}:${tag}`,
      ]);
    }
    const pulled = await layoutIndex(out());
    expect(taggedDigest(pulled, 'multi')).toBe(index.manifest.descriptor.digest);
    expect(taggedDigest(pulled, 'single')).toBe(single.manifest.descriptor.digest);
    const want = await layoutBlobs(src());
    const got = await layoutBlobs(out());
    expect(want.size).toBe([...allContent(index), ...allContent(single)].length);
    for (const [digest, bytes] of want) {
      expect(got.get(digest)?.equals(bytes), `blob ${digest} in the pulled layout`).toBe(true);
    }
  });

  it('copies registry to registry within wharf (cross-repository blob mounts)', async () => {
    const copy = `docker://${host}/e2e/copy:multi`;
    await skopeo.ok([
      'copy',
      '--all',
      '--preserve-digests',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--src-creds',
      CREDS,
      '--dest-creds',
      CREDS,
      ref('multi'),
      copy,
    ]);
    const m = await v2.fetch('/v2/e2e/copy/manifests/multi', {
      headers: { accept: index.manifest.descriptor.mediaType },
    });
    expect(m.headers.get('docker-content-digest')).toBe(index.manifest.descriptor.digest);
    for (const b of index.blobs) {
      const r = await v2.fetch(`/v2/e2e/copy/blobs/${b.descriptor.digest}`, { method: 'HEAD' });
      expect(r.status).toBe(200);
    }
  });

  it('`skopeo inspect --raw` returns the exact manifest bytes', async () => {
    expect(await skopeo.ok(['inspect', '--raw', '--tls-verify=false', '--creds', CREDS, ref('multi')])).toBe(
      index.manifest.bytes.toString('utf8'),
    );
    const child = index.children[1];
    if (!child) throw new Error('the index has two children');
    const raw = await skopeo.ok([
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      CREDS,
      ref(child.manifest.descriptor.digest),
    ]);
    expect(raw).toBe(child.manifest.bytes.toString('utf8'));
    const config = await skopeo.ok([
      'inspect',
      '--config',
      '--raw',
      '--tls-verify=false',
      '--creds',
      CREDS,
      ref('single'),
    ]);
    expect(config).toBe(single.config.bytes.toString('utf8'));
  });

  it('`skopeo inspect` describes the single image', async () => {
    const info = JSON.parse(
      await skopeo.ok(['inspect', '--tls-verify=false', '--creds', CREDS, ref('single')]),
    ) as { Name: string; Digest: string; Architecture: string; Os: string; Layers: string[] };
    expect(info.Name).toBe(`${host}/${REPO}`);
    expect(info.Digest).toBe(single.manifest.descriptor.digest);
    expect(info.Architecture).toBe('amd64');
    expect(info.Os).toBe('linux');
    expect(info.Layers).toEqual(single.layers.map((l) => l.descriptor.digest));
  });

  it('`skopeo list-tags` lists the tags', async () => {
    const listed = JSON.parse(
      await skopeo.ok(['list-tags', '--tls-verify=false', '--creds', CREDS, `docker://${host}/${REPO}`]),
    ) as { Repository: string; Tags: string[] };
    expect(listed.Repository).toBe(`${host}/${REPO}`);
    expect([...listed.Tags].sort()).toEqual(['multi', 'single']);
  });

  it('refuses wrong or missing credentials', async () => {
    const wrong = await skopeo.run([
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      'admin:wrong',
      ref('multi'),
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/unauthorized|authentication required|401/i);
    const none = await skopeo.run(['inspect', '--raw', '--tls-verify=false', '--no-creds', ref('multi')]);
    expect(none.code).not.toBe(0);
    const push = await skopeo.run([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      'admin:wrong',
      `oci:${src()}:single`,
      ref('intruder'),
    ]);
    expect(push.code).not.toBe(0);
    const tags = await v2.fetch(`/v2/${REPO}/tags/list`);
    expect(((await tags.json()) as { tags: string[] }).tags).not.toContain('intruder');
  });

  it('`skopeo delete` removes the manifest', async () => {
    await skopeo.ok(['delete', '--tls-verify=false', '--creds', CREDS, ref('single')]);
    const digest = single.manifest.descriptor.digest;
    expect((await v2.fetch(`/v2/${REPO}/manifests/${digest}`)).status).toBe(404);
    expect((await v2.fetch(`/v2/${REPO}/manifests/single`)).status).toBe(404);
    const tags = (await (await v2.fetch(`/v2/${REPO}/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['multi']);
    const gone = await skopeo.run([
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      CREDS,
      ref('single'),
    ]);
    expect(gone.code).not.toBe(0);
    // The index is untouched.
    await expectStored(index, 'multi');
  });
});
