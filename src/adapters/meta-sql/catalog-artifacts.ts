import type { Kysely } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import { isIndexMediaType } from '../../oci/media-types.js';
import type { Platform } from '../../ports/catalog-store.js';
import type { Database } from './schema.js';

export interface ArtifactRow {
  digest: Digest;
  media_type: string;
  artifact_type: string | null;
  subject: Digest | null;
  size: number | string;
  body: Buffer | Uint8Array;
  created_at: number | string;
  pushed_at: number | string;
  pulled_at: number | string | null;
}

/** Digests per statement: far below both dialects' bind parameter limits. */
const CHUNK = 500;

async function inChunks<T>(digests: Digest[], run: (part: Digest[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  const unique = [...new Set(digests)];
  for (let i = 0; i < unique.length; i += CHUNK) out.push(...(await run(unique.slice(i, i + CHUNK))));
  return out;
}

function edgesOf(db: Kysely<Database>, repo: number, digests: Digest[]) {
  return inChunks(digests, (part) =>
    db
      .selectFrom('manifest_refs')
      .select(['manifest_digest', 'child_digest', 'kind'])
      .where('repo_id', '=', repo)
      .where('manifest_digest', 'in', part)
      .where('kind', 'in', ['config', 'layer', 'manifest'])
      .execute(),
  );
}

/**
 * Each artifact's size: its manifest, its child manifests (one level, as indexes have), and every
 * distinct blob those reference, each blob counted once per artifact. Four queries for a whole page.
 */
export async function artifactSizes(
  db: Kysely<Database>,
  repo: number,
  rows: ArtifactRow[],
): Promise<Map<Digest, number>> {
  const edges = await edgesOf(
    db,
    repo,
    rows.map((r) => r.digest),
  );
  const childDigests = edges.filter((e) => e.kind === 'manifest').map((e) => e.child_digest);
  const children = await inChunks(childDigests, (part) =>
    db
      .selectFrom('manifests')
      .select(['digest', 'size'])
      .where('repo_id', '=', repo)
      .where('digest', 'in', part)
      .execute(),
  );
  const childEdges = await edgesOf(db, repo, childDigests);
  const blobDigests = [...edges, ...childEdges]
    .filter((e) => e.kind !== 'manifest')
    .map((e) => e.child_digest);
  const blobs = await inChunks(blobDigests, (part) =>
    db.selectFrom('blobs').select(['digest', 'size']).where('digest', 'in', part).execute(),
  );
  const blobSize = new Map(blobs.map((b) => [b.digest, Number(b.size)]));
  const childSize = new Map(children.map((c) => [c.digest, Number(c.size)]));
  const refs = new Map<Digest, { blobs: Set<Digest>; manifests: Set<Digest> }>();
  const refsOf = (d: Digest) => {
    const found = refs.get(d);
    if (found) return found;
    const fresh = { blobs: new Set<Digest>(), manifests: new Set<Digest>() };
    refs.set(d, fresh);
    return fresh;
  };
  for (const e of [...edges, ...childEdges]) {
    const r = refsOf(e.manifest_digest);
    (e.kind === 'manifest' ? r.manifests : r.blobs).add(e.child_digest);
  }
  const sizes = new Map<Digest, number>();
  for (const row of rows) {
    const own = refsOf(row.digest);
    const blobSet = new Set(own.blobs);
    let total = Number(row.size);
    for (const child of own.manifests) {
      total += childSize.get(child) ?? 0;
      for (const b of refsOf(child).blobs) blobSet.add(b);
    }
    for (const b of blobSet) total += blobSize.get(b) ?? 0;
    sizes.set(row.digest, total);
  }
  return sizes;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toPlatform(v: unknown): Platform | undefined {
  if (!isObject(v) || typeof v.os !== 'string' || typeof v.architecture !== 'string') return undefined;
  const p: Platform = { os: v.os, architecture: v.architecture };
  if (typeof v.variant === 'string') p.variant = v.variant;
  if (typeof v['os.version'] === 'string') p.osVersion = v['os.version'];
  return p;
}

/** Platforms an index declares for its children (its descriptors; no config is read). */
export function platformsOf(row: ArtifactRow): Platform[] {
  if (!isIndexMediaType(row.media_type)) return [];
  try {
    const body: unknown = JSON.parse(Buffer.from(row.body).toString('utf8'));
    if (!isObject(body) || !Array.isArray(body.manifests)) return [];
    return body.manifests.flatMap((m: unknown) => {
      const p = isObject(m) ? toPlatform(m.platform) : undefined;
      return p ? [p] : [];
    });
  } catch {
    return [];
  }
}
