import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  blobOf,
  makeIndex,
  OCI_CONFIG,
  OCI_MANIFEST,
  sha256,
  type TestBlob,
  type TestImage,
  type TestIndex,
  type TestPlatform,
} from '../../helpers/images.js';

/** Images whose layers are real gzip'ed tar files, so no client ever needs to recompress them. */

export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One ustar header block for a regular file. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii'); // mode
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(1_704_067_200, 12), 136, 'ascii'); // mtime 2024-01-01
  h.write('        ', 148, 'ascii'); // checksum placeholder: 8 spaces
  h.write('0', 156, 'ascii'); // typeflag: regular file
  h.write('ustar\u000000', 257, 'ascii'); // magic + version
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** A POSIX tar archive of the given files (names under 100 bytes). */
export function tarOf(files: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(tarHeader(f.name, f.data.length), f.data);
    const pad = (512 - (f.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(parts);
}

export interface TarImageOptions {
  platform?: TestPlatform;
  /** Number of layers. Default 3. */
  layers?: number;
  /** Random bytes per file in a layer. Default 4096. */
  size?: number;
}

/** A random image of real gzip'ed tar layers; the config's diff_ids are the uncompressed digests. */
export function makeTarImage(opts: TarImageOptions = {}): TestImage {
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const tars = Array.from({ length: opts.layers ?? 3 }, (_, i) =>
    tarOf([
      { name: `layer${i}/data.bin`, data: randomBytes(opts.size ?? 4096) },
      { name: `layer${i}/hello.txt`, data: Buffer.from(`layer ${i} of ${platform.architecture}\n`) },
    ]),
  );
  const layers: TestBlob[] = tars.map((t) => blobOf(gzipSync(t), OCI_LAYER_GZIP));
  const configDoc = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) },
    history: tars.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
  };
  const config = blobOf(Buffer.from(JSON.stringify(configDoc)), OCI_CONFIG);
  const doc = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
  };
  // Indented: a client that re-serialized the manifest would change its digest and fail the test.
  const manifest = blobOf(Buffer.from(JSON.stringify(doc, null, 3)), OCI_MANIFEST);
  manifest.descriptor.platform = platform;
  return { kind: 'image', manifest, config, layers, blobs: [config, ...layers] };
}

/** linux/amd64 + linux/arm64/v8 images of real tar layers under one OCI index. */
export function makeTarIndex(opts: Omit<TarImageOptions, 'platform'> = {}): TestIndex {
  return makeIndex([
    makeTarImage({ ...opts, platform: { os: 'linux', architecture: 'amd64' } }),
    makeTarImage({ ...opts, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
  ]);
}
