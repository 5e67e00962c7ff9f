/**
 * Seeds a registry for the GC figure straight onto disk, the same content in two layouts: a Wharf
 * data dir (SQLite rows + small blob files) and a docker-registry (distribution 2.8) storage root.
 *
 * Shape: `manifests` image manifests (config + 4 layers, 5 distinct blobs each) spread over 100
 * repositories, tagged; the other `blobs − 5·manifests` blobs are garbage: half of them linked into a
 * repository (uploaded, never used by a manifest), half linked nowhere. Everything is dated 4 days
 * ago, past Wharf's default 72-hour grace period.
 */
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openMetaStore } from '../src/adapters/meta-sql/index.js';

export interface GcShape {
  manifests: number;
  blobs: number;
}

/** What a collection of the seeded registry must remove. */
export interface GcExpectation {
  referenced: number;
  /** Garbage blobs linked into a repository (Wharf removes these links first). */
  linkedGarbage: number;
  garbage: number;
}

const REPOS = 100;
const LAYERS = 4;
const AGE_MS = 96 * 3_600_000;
const PAD = Buffer.alloc(200, 'w');

const hexOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const repoName = (r: number) => `gc/r${String(r).padStart(3, '0')}`;

interface Blob {
  hex: string;
  data: Buffer;
}

/** Blob `i`: small (about 210 bytes) and distinct. */
function blobAt(i: number): Blob {
  const data = Buffer.concat([Buffer.from(`wharf-gc-bench ${i}\n`), PAD]);
  return { hex: hexOf(data), data };
}

function manifestBody(blobs: Blob[]): Buffer {
  const [config, ...layers] = blobs;
  if (!config) throw new Error('a manifest needs a config');
  const desc = (b: Blob, mediaType: string) => ({
    mediaType,
    digest: `sha256:${b.hex}`,
    size: b.data.length,
  });
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: desc(config, 'application/vnd.oci.image.config.v1+json'),
      layers: layers.map((l) => desc(l, 'application/vnd.oci.image.layer.v1.tar+gzip')),
    }),
  );
}

function writeBlobFile(root: string, hex: string, data: Buffer, shards: Set<string>): string {
  const dir = join(root, hex.slice(0, 2));
  if (!shards.has(dir)) {
    mkdirSync(dir, { recursive: true });
    shards.add(dir);
  }
  const path = join(dir, hex);
  writeFileSync(path, data);
  return path;
}

function writeLink(path: string, digest: string): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'link'), digest);
}

/** The seeded content, generated once and written in both layouts. */
export class GcRegistry {
  readonly expect: GcExpectation;
  private readonly blobs: Blob[];
  private readonly manifests: { repo: number; tag: string; body: Buffer; hex: string; blobs: number[] }[] =
    [];

  constructor(readonly shape: GcShape) {
    const referenced = shape.manifests * (LAYERS + 1);
    if (shape.blobs < referenced) throw new Error(`${shape.manifests} manifests need ${referenced} blobs`);
    this.blobs = Array.from({ length: shape.blobs }, (_, i) => blobAt(i));
    for (let m = 0; m < shape.manifests; m++) {
      const ids = Array.from({ length: LAYERS + 1 }, (_, k) => m * (LAYERS + 1) + k);
      const body = manifestBody(ids.map((i) => this.blob(i)));
      this.manifests.push({ repo: m % REPOS, tag: `t${m}`, body, hex: hexOf(body), blobs: ids });
    }
    const garbage = shape.blobs - referenced;
    this.expect = { referenced, linkedGarbage: Math.floor(garbage / 2), garbage };
  }

  /** Garbage blob `g` (0-based) is linked into a repository when in the first half. */
  private linkedRepo(i: number): number | undefined {
    const g = i - this.expect.referenced;
    return g >= 0 && g < this.expect.linkedGarbage ? g % REPOS : undefined;
  }

  private blob(i: number): Blob {
    const b = this.blobs[i];
    if (!b) throw new Error(`no blob ${i}`);
    return b;
  }

  /** A Wharf data dir: the schema migrated by Wharf itself, then rows inserted in one transaction. */
  async writeWharf(dataDir: string): Promise<void> {
    const dbPath = join(dataDir, 'wharf.db');
    await (await openMetaStore(`sqlite:${dbPath}`)).close();
    const shards = new Set<string>();
    const blobsDir = join(dataDir, 'blobs', 'sha256');
    for (const b of this.blobs) writeBlobFile(blobsDir, b.hex, b.data, shards);
    mkdirSync(join(dataDir, 'uploads'), { recursive: true });
    const db = new BetterSqlite3(dbPath);
    try {
      db.pragma('synchronous = OFF');
      db.transaction(() => this.insertRows(db, Date.now() - AGE_MS))();
    } finally {
      db.close();
    }
  }

  private insertRows(db: BetterSqlite3.Database, at: number): void {
    const repo = db.prepare('insert into repositories (id, name, created_at) values (?, ?, ?)');
    const blob = db.prepare('insert into blobs (digest, size, created_at) values (?, ?, ?)');
    const link = db.prepare(
      'insert or ignore into repo_blobs (repo_id, digest, created_at) values (?, ?, ?)',
    );
    const manifest = db.prepare(
      `insert into manifests (repo_id, digest, media_type, artifact_type, subject, size, body, annotations, created_at, pushed_at)
       values (?, ?, 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', null, ?, ?, null, ?, ?)`,
    );
    const ref = db.prepare(
      'insert into manifest_refs (repo_id, manifest_digest, child_digest, kind) values (?, ?, ?, ?)',
    );
    const tag = db.prepare(
      'insert into tags (repo_id, name, manifest_digest, updated_at, pushed_at) values (?, ?, ?, ?, ?)',
    );
    for (let r = 0; r < REPOS; r++) repo.run(r + 1, repoName(r), at);
    this.blobs.forEach((b, i) => {
      blob.run(`sha256:${b.hex}`, b.data.length, at);
      const r = this.linkedRepo(i);
      if (r !== undefined) link.run(r + 1, `sha256:${b.hex}`, at);
    });
    for (const m of this.manifests) {
      const digest = `sha256:${m.hex}`;
      manifest.run(m.repo + 1, digest, m.body.length, m.body, at, at);
      m.blobs.forEach((i, k) => {
        link.run(m.repo + 1, `sha256:${this.blob(i).hex}`, at);
        ref.run(m.repo + 1, digest, `sha256:${this.blob(i).hex}`, k === 0 ? 'config' : 'layer');
      });
      tag.run(m.repo + 1, m.tag, digest, at, at);
    }
  }

  /**
   * The same registry as docker-registry stores it under `root` (its rootdirectory), as far as its
   * garbage collector reads it: blob data (hard-linked from the Wharf data dir), manifests as blobs,
   * repository layer links (the garbage's too, as Wharf's), manifest revisions and tags. Tag index
   * links, which it does not read, are not written.
   */
  writeRegistry(root: string, wharfDataDir: string): void {
    const v2 = join(root, 'docker', 'registry', 'v2');
    const shards = new Set<string>();
    const blobData = (hex: string) => join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    for (const b of this.blobs) {
      const target = blobData(b.hex);
      const dir = join(target, '..');
      if (!shards.has(dir)) mkdirSync(dir, { recursive: true });
      linkSync(join(wharfDataDir, 'blobs', 'sha256', b.hex.slice(0, 2), b.hex), target);
    }
    const repoDir = (r: number) => join(v2, 'repositories', repoName(r));
    this.blobs.forEach((b, i) => {
      const r = this.linkedRepo(i);
      if (r !== undefined) writeLink(join(repoDir(r), '_layers', 'sha256', b.hex), `sha256:${b.hex}`);
    });
    for (const m of this.manifests) {
      mkdirSync(join(blobData(m.hex), '..'), { recursive: true });
      writeFileSync(blobData(m.hex), m.body);
      const digest = `sha256:${m.hex}`;
      const base = join(repoDir(m.repo), '_manifests');
      writeLink(join(base, 'revisions', 'sha256', m.hex), digest);
      writeLink(join(base, 'tags', m.tag, 'current'), digest);
      for (const i of m.blobs) {
        const hex = this.blob(i).hex;
        writeLink(join(repoDir(m.repo), '_layers', 'sha256', hex), `sha256:${hex}`);
      }
    }
  }
}
