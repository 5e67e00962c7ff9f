import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { RegistryClient } from '../../src/client/index.js';
import type { Json } from '../../src/client/json.js';
import type { Descriptor } from '../../src/client/manifest.js';
import { attachSbom, SignatureStore, signImage } from '../../src/client/signatures/index.js';
import type { Digest } from '../../src/oci/digest.js';
import type { ArtifactRecord, ExecutionRecord } from '../../src/ports/replication-store.js';
import { generateKeyPair } from '../../src/supplychain/index.js';
import { recorded } from '../api/harness.js';
import { makeMultiPlatformIndex, type TestIndex } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import {
  ADMIN_AUTH,
  ADMIN_PASSWORD,
  type Dialect,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';

export const ADMIN = { username: 'admin', password: ADMIN_PASSWORD };

/** A Wharf under test: token auth, admin credentials, replication ticking every second. */
export async function startWharf(
  dialect: Dialect,
  config: Record<string, unknown> = {},
): Promise<TestServer> {
  return startTestServer({
    dialect,
    auth: 'token',
    config: { replication: { chunkSizeBytes: 1024 * 1024, scheduleTickSeconds: 1 }, ...config },
  });
}

export function hostOf(server: { url: string }): string {
  return new URL(server.url).host;
}

export function clientFor(server: TestServer): RegistryClient {
  return new RegistryClient({ registry: hostOf(server), credentials: ADMIN });
}

/** The management API of a server, as the admin (or `authorization`); JSON in and out. */
export async function api<T = unknown>(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  authorization = ADMIN_AUTH,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // For the OpenAPI coverage check (test/api/support/coverage.ts).
  recorded.push({ method, path: `/api/v1${path.split('?')[0] ?? ''}`, status: res.status });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export type Execution = Json<ExecutionRecord> & { artifacts: ArtifactResult[] };

export type ArtifactResult = Json<ArtifactRecord>;

/** Creates a policy; its id. */
export async function createPolicy(server: TestServer, policy: Record<string, unknown>): Promise<number> {
  const r = await api<{ id: number }>(server, 'POST', '/replication/policies', policy);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the execution is finished; returns it with its artifacts. */
export async function finished(server: TestServer, id: number, timeoutMs = 30_000): Promise<Execution> {
  return until(
    `execution ${id}`,
    async () => {
      const r = await api<Execution>(server, 'GET', `/replication/executions/${id}`);
      return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
    },
    timeoutMs,
  );
}

/** Runs a policy now and waits for the execution to finish. */
export async function runPolicy(server: TestServer, policyId: number, dryRun = false): Promise<Execution> {
  const r = await api<{ id: number }>(server, 'POST', `/replication/policies/${policyId}/executions`, {
    dryRun,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return finished(server, r.body.id);
}

/** The executions of a policy, newest first. */
export async function executionsOf(server: TestServer, policyId: number): Promise<Execution[]> {
  return (await api<Execution[]>(server, 'GET', `/replication/executions?policy=${policyId}`)).body;
}

export interface SignedImage {
  index: TestIndex;
  digest: Digest;
  subject: Descriptor;
  /** Referrer digests: the signature bundle and the SBOM. */
  referrers: Digest[];
  /** Cosign tags with the digests of their manifests. */
  tags: Record<string, Digest>;
}

const keys = generateKeyPair();

/**
 * Pushes a two-platform index by digest, signs it (a `.sig` layer and a bundle referrer), attaches
 * an SPDX SBOM (`.sbom` tag and a referrer), and only then tags it — so whatever a tag push
 * triggers finds the image complete.
 */
export async function pushSignedImage(
  client: RegistryClient,
  repo: string,
  tag: string | undefined,
  opts: { size?: number; layers?: number } = {},
): Promise<SignedImage> {
  const index = makeMultiPlatformIndex({ layers: opts.layers ?? 2, size: opts.size ?? 4096 });
  const digest = index.manifest.descriptor.digest as Digest;
  await pushArtifact(client, repo, digest, index);
  const store = new SignatureStore(client, repo);
  const subject = await store.resolve(digest);
  const signed = await signImage({
    store,
    subject,
    dockerReference: `${client.registry}/${repo}`,
    privateKey: keys.privateKey,
  });
  const sbom = Buffer.from(
    JSON.stringify({
      spdxVersion: 'SPDX-2.3',
      name: repo,
      packages: [],
      nonce: randomBytes(8).toString('hex'),
    }),
  );
  const attached = await attachSbom(store, subject, sbom, 'text/spdx+json');
  if (tag !== undefined)
    await client.putManifest(repo, tag, index.manifest.bytes, index.manifest.descriptor.mediaType);
  return {
    index,
    digest,
    subject,
    referrers: [signed.referrer?.digest as Digest, attached.referrer as Digest],
    tags: {
      [signed.legacy?.tag as string]: signed.legacy?.digest as Digest,
      [attached.tag]: attached.tagDigest as Digest,
    },
  };
}

/** Asserts `dst` holds the signed image byte for byte: index, children, referrers, cosign tags. */
export async function expectReplicated(
  src: RegistryClient,
  srcRepo: string,
  dst: RegistryClient,
  dstRepo: string,
  image: SignedImage,
  tag?: string,
): Promise<void> {
  const root = await dst.getManifest(dstRepo, tag ?? image.digest);
  expect(root.digest).toBe(image.digest);
  expect(root.bytes.equals(image.index.manifest.bytes)).toBe(true);
  for (const child of image.index.children) {
    const m = await dst.getManifest(dstRepo, child.manifest.descriptor.digest);
    expect(m.bytes.equals(child.manifest.bytes)).toBe(true);
    for (const b of child.blobs) {
      const bytes = await dst.getBlobBytes(dstRepo, b.descriptor.digest as Digest);
      expect(bytes.equals(b.bytes)).toBe(true);
    }
  }
  const referrers = (await dst.referrers(dstRepo, image.digest)).map((d) => d.digest).sort();
  expect(referrers).toEqual([...image.referrers].sort());
  for (const r of image.referrers) {
    expect((await dst.getManifest(dstRepo, r)).bytes.equals((await src.getManifest(srcRepo, r)).bytes)).toBe(
      true,
    );
  }
  for (const [t, d] of Object.entries(image.tags)) {
    expect((await dst.headManifest(dstRepo, t))?.digest).toBe(d);
  }
}
