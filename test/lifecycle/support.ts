import { randomBytes } from 'node:crypto';
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import type { Json } from '../../src/client/json.js';
import type { GcRunRecord } from '../../src/ports/gc-store.js';
import type { ScrubReport as ScrubReportRecord } from '../../src/services/lifecycle/index.js';
import { recorded } from '../api/harness.js';
import { blob, imageManifest, jsonBlob, sha256, type TestBlob } from '../helpers/oci.js';
import type { V2 } from '../helpers/registry-client.js';
import { ADMIN_AUTH } from '../helpers/server.js';

/** A run as the API reports it (the counts garbage collection is judged by). */
export type GcRun = Json<GcRunRecord>;

export type ScrubReport = Json<ScrubReportRecord>;

/** What a run removed, without its id, times and flags: a dry run and a real run must agree on it. */
export function counts(r: GcRun) {
  const { linksRemoved, blobsDeleted, blobBytes, orphanFiles, orphanBytes, uploadsExpired, bytesFreed } = r;
  return { linksRemoved, blobsDeleted, blobBytes, orphanFiles, orphanBytes, uploadsExpired, bytesFreed };
}

/** A management API call as the admin. */
export async function api<T>(base: string, method: string, path: string, body?: unknown, auth = ADMIN_AUTH) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      authorization: auth,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // For the OpenAPI coverage check (test/api/support/coverage.ts).
  recorded.push({ method, path: `/api/v1${path.split('?')[0] ?? ''}`, status: res.status });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export async function gc(base: string, dryRun = false): Promise<GcRun> {
  const r = await api<GcRun>(base, 'POST', '/system/gc', { dryRun });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.error).toBeNull();
  return r.body;
}

export async function scrub(base: string): Promise<ScrubReport> {
  const r = await api<ScrubReport>(base, 'POST', '/system/scrub');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

export function blobPath(dataDir: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A file in the blob store with no row (what a crash after a GC commit leaves), dated `ageMs` ago. */
export async function plantOrphan(dataDir: string, size = 777, ageMs = 3_600_000): Promise<TestBlob> {
  const b = blob(size);
  const path = blobPath(dataDir, b.digest);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, b.data);
  const then = new Date(Date.now() - ageMs);
  await utimes(path, then, then);
  return b;
}

export async function pushBlob(v2: V2, repo: string, b: TestBlob): Promise<void> {
  const r = await v2.pushBlob(repo, b);
  expect(r.status, await r.clone().text()).toBe(201);
}

export interface Image {
  config: TestBlob;
  layers: TestBlob[];
  manifest: TestBlob;
}

/** An image whose blobs are pushed; the manifest is returned, not pushed. */
export async function stageImage(v2: V2, repo: string, layers: TestBlob[] = [blob(1500)]): Promise<Image> {
  const config = jsonBlob({ architecture: 'amd64', os: 'linux', r: randomBytes(8).toString('hex') });
  for (const b of [config, ...layers]) await pushBlob(v2, repo, b);
  return { config, layers, manifest: imageManifest(config, layers) };
}

export async function pushImage(v2: V2, repo: string, ref: string, layers?: TestBlob[]): Promise<Image> {
  const image = await stageImage(v2, repo, layers);
  const r = await v2.putManifest(repo, ref, image.manifest);
  expect(r.status, await r.clone().text()).toBe(201);
  return image;
}

/** GET of the blob in the repository answers 200 with exactly its bytes. */
export async function expectReadable(v2: V2, repo: string, digest: string): Promise<void> {
  const r = await v2.fetch(`/v2/${repo}/blobs/${digest}`);
  expect(r.status, `${repo}@${digest}`).toBe(200);
  expect(sha256(Buffer.from(await r.arrayBuffer()))).toBe(digest);
}

export async function headStatus(v2: V2, repo: string, digest: string): Promise<number> {
  return (await v2.fetch(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status;
}
