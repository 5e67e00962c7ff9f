/**
 * The GC figure: the time to collect a registry of `manifests` manifests and `blobs` blobs, half of
 * the blobs garbage, seeded straight onto disk (bench/gc-seed.ts; untimed). Wharf: a server started
 * on the seeded data dir, `POST /api/v1/system/gc` timed by the client (online: the server stays up).
 * docker-registry: `docker-registry garbage-collect` on the same content in its layout, the process
 * timed (offline: distribution's GC needs the registry stopped or read-only).
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GcRegistry, type GcShape } from './gc-seed.js';
import type { ServerName } from './report.js';
import { makeTempDir, REGISTRY_BIN, registryConfig, startWharf } from './servers.js';

export interface GcFigureResult {
  values: Map<ServerName, Map<string, number>>;
  errors: string[];
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** Directories (docker) or files (Wharf) under blobs/sha256/<xx>/. */
function countBlobs(sha256Dir: string): number {
  return readdirSync(sha256Dir).reduce((n, shard) => n + readdirSync(join(sha256Dir, shard)).length, 0);
}

async function timeProcess(cmd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}`);
  return (performance.now() - t0) / 1000;
}

async function registryGc(reg: GcRegistry, dir: string, wharfDir: string): Promise<number> {
  const root = join(dir, 'data');
  const t0 = performance.now();
  reg.writeRegistry(root, wharfDir);
  log(`gc: docker-registry layout written in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const config = join(dir, 'config.yml');
  writeFileSync(config, registryConfig(root, 5999));
  const secs = await timeProcess(REGISTRY_BIN, ['garbage-collect', config]);
  const left = countBlobs(join(root, 'docker', 'registry', 'v2', 'blobs', 'sha256'));
  const want = reg.expect.referenced + reg.shape.manifests;
  if (left !== want) throw new Error(`docker-registry kept ${left} blobs, expected ${want}`);
  await timeProcess('rm', ['-rf', dir]); // hundreds of thousands of entries: rm is quicker than rmSync
  return secs;
}

interface GcReport {
  linksRemoved: number;
  blobsDeleted: number;
  error: string | null;
}

async function wharfGc(reg: GcRegistry, repoRoot: string, dataDir: string): Promise<number> {
  const server = await startWharf(repoRoot, dataDir);
  try {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/system/gc`, { method: 'POST' });
    const secs = (performance.now() - t0) / 1000;
    const report = (await res.json()) as GcReport;
    const { linkedGarbage, garbage } = reg.expect;
    if (res.status !== 200 || report.error !== null) throw new Error(`GC failed: ${JSON.stringify(report)}`);
    if (report.blobsDeleted !== garbage || report.linksRemoved !== linkedGarbage) {
      throw new Error(
        `GC removed ${report.blobsDeleted} blobs / ${report.linksRemoved} links, expected ${garbage} / ${linkedGarbage}`,
      );
    }
    return secs;
  } finally {
    await server.stop();
  }
}

/** Seeds once, then collects with each server (docker-registry first: it reads the Wharf files' links). */
export async function runGcFigure(
  names: readonly ServerName[],
  shape: GcShape,
  repoRoot: string,
): Promise<GcFigureResult> {
  const values = new Map<ServerName, Map<string, number>>();
  const errors: string[] = [];
  const dir = makeTempDir('wharf-bench-gc-');
  const t0 = performance.now();
  const reg = new GcRegistry(shape);
  const wharfDir = join(dir, 'wharf');
  await reg.writeWharf(wharfDir);
  log(
    `gc: seeded ${shape.manifests} manifests / ${shape.blobs} blobs in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  const runs: [ServerName, () => Promise<number>][] = [
    ['docker-registry', () => registryGc(reg, join(dir, 'registry'), wharfDir)],
    ['wharf', () => wharfGc(reg, repoRoot, wharfDir)],
  ];
  for (const [name, run] of runs) {
    if (!names.includes(name)) continue;
    try {
      const secs = await run();
      values.set(name, new Map([['gc.seconds', secs]]));
      log(`  gc on ${name}: ${secs.toFixed(1)} s`);
    } catch (err) {
      errors.push(`gc on ${name}: ${(err as Error).message.slice(0, 1500)}`);
      log(`  gc on ${name}: FAILED ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { values, errors };
}
