import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import { OciLayout, REF_NAME_ANNOTATION } from './oci-layout.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-layout-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('OciLayout', () => {
  it('creates a layout skeleton and refuses to open a plain directory', async () => {
    await expect(OciLayout.open(dir)).rejects.toThrow(/not an OCI image layout/);
    await OciLayout.create(dir);
    expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    const layout = await OciLayout.open(dir);
    expect(await layout.manifests()).toEqual([]);
  });

  it('writes blobs atomically and refuses content that does not match the digest', async () => {
    const layout = await OciLayout.create(dir);
    const bytes = Buffer.from('hello');
    const d = digestOf(bytes);
    await layout.writeBlob(d, bytes);
    expect(await layout.statBlob(d)).toBe(5);
    await expect(layout.writeBlob(digestOf('other'), bytes)).rejects.toThrow(/hashed to/);
    expect(await layout.hasBlob(digestOf('other'))).toBe(false);
  });

  it('names manifests by ref.name and resolves them', async () => {
    const layout = await OciLayout.create(dir);
    const a = { mediaType: MediaType.OciManifest, digest: digestOf('a'), size: 1 };
    const b = { mediaType: MediaType.OciManifest, digest: digestOf('b'), size: 1 };
    await layout.addManifest(a);
    expect(await layout.resolve()).toEqual(a);
    await layout.addManifest(a, 'v1');
    await expect(layout.resolve()).rejects.toThrow(/holds 2 images/);
    await layout.addManifest(b, 'v1');
    expect((await layout.resolve('v1')).digest).toBe(b.digest);
    expect(await layout.tags()).toEqual(['v1']);
    await expect(layout.resolve('v2')).rejects.toThrow(/no image tagged "v2"/);
    const idx = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    expect(idx.manifests[1].annotations).toEqual({ [REF_NAME_ANNOTATION]: 'v1' });
  });
});
