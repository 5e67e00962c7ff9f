/**
 * The benchmark suite: settings from the environment, the figures, per-server setup (untimed) and
 * the measured workloads. Each workload takes one server and returns the figures it produced.
 */
import type { Pool } from 'undici';
import type { Server } from './servers.js';
import {
  type Blob,
  BlobFactory,
  configBlob,
  type ImageParts,
  MB,
  manifestBody,
  OCI_MANIFEST,
  openPool,
  pullBlob,
  pushChunked,
  pushPostPut,
  putManifest,
  timed,
} from './workloads.js';
import { runWrk } from './wrk.js';

const MiB = 1024 * 1024;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return n;
}

export interface Settings {
  rounds: number;
  wrkSeconds: number;
  wrkConnections: number;
  concurrency: number;
  monoCount: number;
  monoSize: number;
  chunkedCount: number;
  chunkedSize: number;
  chunkSize: number;
  chunkedConcurrency: number;
  pullSize: number;
  pulls: number;
  smallSize: number;
  manifestCount: number;
  warmup: boolean;
  /** The GC figure's registry (bench/gc.ts); 0 manifests: no GC figure (BENCH_GC=0). */
  gcManifests: number;
  gcBlobs: number;
}

/** Defaults fit ~4–6 minutes on 2 cores (GC figure included); BENCH_QUICK=1 shrinks everything for a smoke test. */
export function loadSettings(): Settings {
  const quick = process.env.BENCH_QUICK === '1';
  return {
    rounds: Math.max(1, envInt('BENCH_ROUNDS', quick ? 1 : 3)),
    wrkSeconds: Math.max(1, envInt('BENCH_DURATION', quick ? 2 : 10)),
    wrkConnections: Math.max(1, envInt('BENCH_CONNECTIONS', 32)),
    concurrency: Math.max(1, envInt('BENCH_CONCURRENCY', 8)),
    monoCount: quick ? 40 : 200,
    monoSize: 1 * MiB,
    chunkedCount: quick ? 4 : 20,
    chunkedSize: 16 * MiB,
    chunkSize: 4 * MiB,
    chunkedConcurrency: 4,
    pullSize: 64 * MiB,
    pulls: quick ? 2 : 5,
    smallSize: 4 * 1024,
    manifestCount: quick ? 100 : 500,
    warmup: envInt('BENCH_WARMUP', 1) === 1,
    gcManifests: envInt('BENCH_GC', 1) === 1 ? (quick ? 1000 : 10_000) : 0,
    gcBlobs: quick ? 10_000 : 100_000,
  };
}

const count = (n: number) => n.toLocaleString('en-US');

export interface Figure {
  id: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
}

export function figures(s: Settings): Figure[] {
  const c = s.concurrency;
  const mono = `${s.monoCount}×${s.monoSize / MiB} MiB, c${c}`;
  const chunked = `${s.chunkedCount}×${s.chunkedSize / MiB} MiB in ${s.chunkSize / MiB} MiB chunks, c${s.chunkedConcurrency}`;
  const wrk = `wrk -t1 -c${s.wrkConnections} -d${s.wrkSeconds}s`;
  const f = (id: string, label: string, unit: string, better: 'higher' | 'lower' = 'higher') => ({
    id,
    label,
    unit,
    better,
  });
  return [
    f('push.mbps', `blob push (POST+PUT), ${mono}`, 'MB/s'),
    f('push.ops', `blob push (POST+PUT), ${mono}`, 'ops/s'),
    f('chunked.mbps', `blob push chunked (POST, PATCH…, PUT), ${chunked}`, 'MB/s'),
    f('pull.mbps', `blob pull, GET ${s.pullSize / MiB} MiB ×${s.pulls}, sequential`, 'MB/s'),
    f('small.rps', `small blob GET (${s.smallSize / 1024} KiB), ${wrk}`, 'req/s'),
    f('small.p99', `small blob GET (${s.smallSize / 1024} KiB), ${wrk}: p99`, 'ms', 'lower'),
    f('mput.ops', `manifest PUT (unique, by tag), ${s.manifestCount}, c${c}`, 'ops/s'),
    f('mget.rps', `manifest GET by tag, ${wrk}`, 'req/s'),
    f('mget.p99', `manifest GET by tag, ${wrk}: p99`, 'ms', 'lower'),
    ...(s.gcManifests > 0
      ? [
          f(
            'gc.seconds',
            `garbage collection, ${count(s.gcManifests)} manifests / ${count(s.gcBlobs)} blobs, half garbage`,
            's',
            'lower',
          ),
        ]
      : []),
    f('rss', 'server RSS after the run (VmRSS)', 'MiB', 'lower'),
    f('hwm', 'server peak RSS (VmHWM)', 'MiB', 'lower'),
  ];
}

/** Everything both servers get identically: generated once, before any timing. */
export interface Fixtures {
  mono: BlobFactory;
  chunked: BlobFactory;
  large: Blob;
  small: Blob;
  image: ImageParts;
}

export function makeFixtures(s: Settings): Fixtures {
  const layer = new BlobFactory(s.smallSize).make();
  return {
    mono: new BlobFactory(s.monoSize),
    chunked: new BlobFactory(s.chunkedSize),
    large: new BlobFactory(s.pullSize).make(),
    small: new BlobFactory(s.smallSize).make(),
    image: { config: configBlob(), layer },
  };
}

/** The inputs of one round, shared by both servers (fresh digests every round). */
export interface RoundData {
  round: number;
  mono: Blob[];
  chunked: Blob[];
  manifests: { tag: string; body: Buffer }[];
}

export function makeRoundData(s: Settings, fx: Fixtures, round: number): RoundData {
  const manifests = Array.from({ length: s.manifestCount }, (_, i) => ({
    tag: `r${round}-${i}`,
    body: manifestBody(fx.image, `${round}-${i}`),
  }));
  return { round, mono: fx.mono.many(s.monoCount), chunked: fx.chunked.many(s.chunkedCount), manifests };
}

export const REPO = {
  push: 'bench/push',
  chunked: 'bench/chunked',
  pull: 'bench/pull',
  small: 'bench/small',
  image: 'bench/image',
} as const;

/** A server plus its keep-alive connection pool. */
export interface Target {
  server: Server;
  pool: Pool;
}

export function target(server: Server, s: Settings): Target {
  return { server, pool: openPool(server.url, Math.max(s.concurrency, s.chunkedConcurrency)) };
}

function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`index ${i} out of range`);
  return item;
}

/** Untimed: the blobs and the tagged manifest the read workloads need. */
export async function prepare(t: Target, fx: Fixtures): Promise<void> {
  await pushPostPut(t.pool, REPO.pull, fx.large);
  await pushPostPut(t.pool, REPO.small, fx.small);
  await pushPostPut(t.pool, REPO.image, fx.image.config);
  await pushPostPut(t.pool, REPO.image, fx.image.layer);
  await putManifest(t.pool, REPO.image, 'latest', manifestBody(fx.image, 'latest'));
}

export type Values = Map<string, number>;
export type Workload = (t: Target, data: RoundData) => Promise<Values>;

const pushMono =
  (s: Settings): Workload =>
  async (t, d) => {
    const secs = await timed(d.mono.length, s.concurrency, (i) =>
      pushPostPut(t.pool, REPO.push, at(d.mono, i)),
    );
    return new Map([
      ['push.mbps', (d.mono.length * s.monoSize) / MB / secs],
      ['push.ops', d.mono.length / secs],
    ]);
  };

const pushChunks =
  (s: Settings): Workload =>
  async (t, d) => {
    const push = (i: number) => pushChunked(t.pool, REPO.chunked, at(d.chunked, i), s.chunkSize);
    const secs = await timed(d.chunked.length, s.chunkedConcurrency, push);
    return new Map([['chunked.mbps', (d.chunked.length * s.chunkedSize) / MB / secs]]);
  };

const pullLarge =
  (s: Settings, fx: Fixtures): Workload =>
  async (t) => {
    const secs = await timed(s.pulls, 1, () => pullBlob(t.pool, REPO.pull, fx.large.digest, fx.large.size));
    return new Map([['pull.mbps', (s.pulls * fx.large.size) / MB / secs]]);
  };

const putManifests =
  (s: Settings): Workload =>
  async (t, d) => {
    const put = (i: number) =>
      putManifest(t.pool, REPO.image, at(d.manifests, i).tag, at(d.manifests, i).body);
    const secs = await timed(d.manifests.length, s.concurrency, put);
    return new Map([['mput.ops', d.manifests.length / secs]]);
  };

/** A wrk run on one path, reported as `<prefix>.rps` and `<prefix>.p99`. */
const wrkGet =
  (s: Settings, prefix: string, path: string, headers: string[] = []): Workload =>
  async (t) => {
    const r = await runWrk({
      url: `${t.server.url}${path}`,
      threads: 1,
      connections: s.wrkConnections,
      durationSeconds: s.wrkSeconds,
      headers,
    });
    const p99 = r.latencyMs.get(99);
    if (p99 === undefined) throw new Error(`wrk printed no 99th percentile:\n${r.raw}`);
    return new Map([
      [`${prefix}.rps`, r.requestsPerSec],
      [`${prefix}.p99`, p99],
    ]);
  };

export function workloads(s: Settings, fx: Fixtures): { name: string; run: Workload }[] {
  const manifestAccept = [`Accept: ${OCI_MANIFEST}`];
  return [
    { name: 'blob push (POST+PUT)', run: pushMono(s) },
    { name: 'blob push chunked', run: pushChunks(s) },
    { name: 'blob pull', run: pullLarge(s, fx) },
    { name: 'small blob GET (wrk)', run: wrkGet(s, 'small', `/v2/${REPO.small}/blobs/${fx.small.digest}`) },
    { name: 'manifest PUT', run: putManifests(s) },
    {
      name: 'manifest GET (wrk)',
      run: wrkGet(s, 'mget', `/v2/${REPO.image}/manifests/latest`, manifestAccept),
    },
  ];
}
