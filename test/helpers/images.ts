import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Test fixtures: random images, indexes and OCI layouts built from scratch, bytes and digests known. */

export interface TestDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: TestPlatform;
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface TestPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface TestBlob {
  descriptor: TestDescriptor;
  bytes: Buffer;
}

/** A manifest (image or index) as pushed: exact bytes, their digest, and what it needs. */
export interface TestImage {
  kind: 'image';
  manifest: TestBlob;
  config: TestBlob;
  layers: TestBlob[];
  /** config + layers */
  blobs: TestBlob[];
}

export interface TestIndex {
  kind: 'index';
  manifest: TestBlob;
  children: TestImage[];
  /** every blob of every child */
  blobs: TestBlob[];
}

export type TestArtifact = TestImage | TestIndex;

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blobOf(bytes: Buffer, mediaType: string): TestBlob {
  return { bytes, descriptor: { mediaType, digest: sha256(bytes), size: bytes.length } };
}

export interface MakeImageOptions {
  /** Number of random layers. Default 2. */
  layers?: number;
  /** Size of each layer in bytes. Default 1024. */
  size?: number;
  platform?: TestPlatform;
  /** 'docker' makes a Docker schema 2 manifest. Default 'oci'. */
  format?: 'oci' | 'docker';
  annotations?: Record<string, string>;
  artifactType?: string;
  /** Makes this a referrer of that manifest. */
  subject?: TestDescriptor;
}

function configBlob(layers: TestBlob[], platform: TestPlatform, format: 'oci' | 'docker'): TestBlob {
  const config = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.descriptor.digest) },
  };
  return blobOf(Buffer.from(JSON.stringify(config)), format === 'oci' ? OCI_CONFIG : DOCKER_CONFIG);
}

/** A random image: `layers` random blobs of `size` bytes, a config naming them, and its manifest. */
export function makeImage(opts: MakeImageOptions = {}): TestImage {
  const format = opts.format ?? 'oci';
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const layerType = format === 'oci' ? OCI_LAYER : DOCKER_LAYER;
  const layers = Array.from({ length: opts.layers ?? 2 }, () =>
    blobOf(randomBytes(opts.size ?? 1024), layerType),
  );
  const config = configBlob(layers, platform, format);
  const doc = {
    schemaVersion: 2,
    mediaType: format === 'oci' ? OCI_MANIFEST : DOCKER_MANIFEST,
    ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
    ...(opts.subject ? { subject: stripDescriptor(opts.subject) } : {}),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  };
  // Indented on purpose: a client that re-serializes manifests changes their digest and fails tests.
  const manifest = blobOf(Buffer.from(JSON.stringify(doc, null, 3)), doc.mediaType);
  manifest.descriptor.platform = platform;
  if (opts.artifactType) manifest.descriptor.artifactType = opts.artifactType;
  return { kind: 'image', manifest, config, layers, blobs: [config, ...layers] };
}

function stripDescriptor(d: TestDescriptor): TestDescriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

/** An OCI index over `children`, each entry carrying its platform. */
export function makeIndex(
  children: TestImage[],
  opts: { annotations?: Record<string, string> } = {},
): TestIndex {
  const doc = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((c) => c.manifest.descriptor),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  };
  const manifest = blobOf(Buffer.from(`${JSON.stringify(doc, null, 2)}\n`), OCI_INDEX);
  return { kind: 'index', manifest, children, blobs: children.flatMap((c) => c.blobs) };
}

/** A two-platform (linux/amd64 + linux/arm64/v8) index of random images. */
export function makeMultiPlatformIndex(opts: { layers?: number; size?: number } = {}): TestIndex {
  return makeIndex([
    makeImage({ ...opts, platform: { os: 'linux', architecture: 'amd64' } }),
    makeImage({ ...opts, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
  ]);
}

/** Every blob file an artifact needs in a layout: blobs, child manifests, the manifest itself. */
export function allContent(a: TestArtifact): TestBlob[] {
  const children = a.kind === 'index' ? a.children.map((c) => c.manifest) : [];
  return [...a.blobs, ...children, a.manifest];
}

/**
 * Writes an OCI image layout at `dir` holding each artifact, tagged through the
 * `org.opencontainers.image.ref.name` annotation in index.json (as skopeo's `oci:DIR:TAG`).
 */
export async function writeOciLayout(
  dir: string,
  entries: { tag?: string; artifact: TestArtifact }[],
): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const e of entries) {
    for (const blob of allContent(e.artifact)) {
      await writeFile(join(dir, 'blobs', 'sha256', blob.descriptor.digest.slice(7)), blob.bytes);
    }
  }
  const manifests = entries.map((e) => {
    const d = e.artifact.manifest.descriptor;
    const annotations = e.tag ? { 'org.opencontainers.image.ref.name': e.tag } : undefined;
    return {
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      ...(d.platform && e.artifact.kind === 'image' ? { platform: d.platform } : {}),
      ...(annotations ? { annotations } : {}),
    };
  });
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }),
  );
}
