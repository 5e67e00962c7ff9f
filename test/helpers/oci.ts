import { createHash, randomBytes } from 'node:crypto';

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface TestBlob {
  data: Buffer;
  digest: string;
}

export function blob(size = 1024): TestBlob {
  const data = randomBytes(size);
  return { data, digest: sha256(data) };
}

export function jsonBlob(doc: unknown): TestBlob {
  const data = Buffer.from(JSON.stringify(doc));
  return { data, digest: sha256(data) };
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export function descriptor(b: TestBlob, mediaType: string, extra: Record<string, unknown> = {}) {
  return { mediaType, digest: b.digest, size: b.data.length, ...extra };
}

export function imageManifest(
  config: TestBlob,
  layers: TestBlob[],
  extra: Record<string, unknown> = {},
): TestBlob {
  return jsonBlob({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(config, 'application/vnd.oci.image.config.v1+json'),
    layers: layers.map((l) => descriptor(l, 'application/vnd.oci.image.layer.v1.tar+gzip')),
    ...extra,
  });
}
