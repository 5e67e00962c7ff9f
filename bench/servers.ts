/**
 * Starts and stops the two servers under test on 127.0.0.1: Debian's `docker-registry` (CNCF
 * distribution 2.8) and Wharf. Every child is tracked so that it is killed on normal exit, on error
 * and on SIGINT/SIGTERM, and every temp data dir is removed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/helpers/process.js';

export const REGISTRY_BIN = process.env.DOCKER_REGISTRY_BIN ?? '/usr/bin/docker-registry';
const START_TIMEOUT_MS = 20_000;

export interface Server {
  /** Label used in the table: 'docker-registry' or 'wharf'. */
  name: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  pid: number;
  /** What was actually started (for the report). */
  command: string;
  stop(): Promise<void>;
}

export interface MemoryInfo {
  rssBytes: number;
  peakBytes: number;
}

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Synchronous last-resort cleanup: safe inside process.on('exit'). */
export function killAllNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function installCleanupHandlers(): void {
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping servers\n`);
      killAllNow();
      process.exit(130);
    });
  }
}

/** A temp dir removed on exit (or by the server stopped on it). */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode}): ${log().trim().slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no 200 from ${url}/v2/ within ${START_TIMEOUT_MS} ms: ${log().trim().slice(-2000)}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Spawns `argv`, waits for `GET /v2/` → 200, and returns a handle; kills the child on failure. */
async function launch(name: string, argv: string[], port: number, dir: string, cwd: string): Promise<Server> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error(`${name}: empty command`);
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let log = '';
  const keep = (s: string) => {
    log = (log + s).slice(-20_000);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  child.once('error', (err) => keep(`\nspawn failed: ${err.message}`));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, () => log);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${name} did not start (${argv.join(' ')}): ${(err as Error).message}`);
  }
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  };
  return { name, url, pid: child.pid ?? 0, command: argv.join(' '), stop };
}

export function registryConfig(storage: string, port: number): string {
  return `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: wharf-bench-secret
`;
}

/** Debian's docker-registry with filesystem storage in a fresh temp dir, no auth. */
export async function startDockerRegistry(name = 'docker-registry'): Promise<Server> {
  const dir = makeTempDir('wharf-bench-registry-');
  const port = await freePort();
  const configPath = join(dir, 'config.yml');
  writeFileSync(configPath, registryConfig(join(dir, 'data'), port));
  return launch(name, [REGISTRY_BIN, 'serve', configPath], port, dir, dir);
}

/**
 * Wharf from dist/ (`node dist/cli/main.js serve`), or the command in BENCH_WHARF_CMD: either the word
 * `docker-registry` (a second docker-registry, to exercise the harness) or a command line with
 * `{port}` and `{data}` placeholders, split on whitespace. `dataDir`: an existing data dir (the GC
 * figure's seeded registry) instead of a fresh one; removed when the server stops, like a fresh one.
 */
export async function startWharf(repoRoot: string, dataDir?: string): Promise<Server> {
  const override = process.env.BENCH_WHARF_CMD?.trim();
  if (override === 'docker-registry') return startDockerRegistry('wharf');
  const dir = dataDir ?? makeTempDir('wharf-bench-wharf-');
  const port = await freePort();
  const argv = override
    ? override.split(/\s+/).map((a) => a.replaceAll('{port}', String(port)).replaceAll('{data}', dir))
    : [
        process.execPath,
        resolve(repoRoot, 'dist/cli/main.js'),
        'serve',
        '--listen',
        `127.0.0.1:${port}`,
        '--data',
        dir,
        '--auth',
        'none',
        '--log-level',
        'warn',
      ];
  return launch('wharf', argv, port, dir, repoRoot);
}

/** VmRSS and VmHWM of a live process, from /proc/<pid>/status. */
export function memoryOf(pid: number): MemoryInfo {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return m?.[1] ? Number(m[1]) * 1024 : Number.NaN;
  };
  return { rssBytes: kb('VmRSS'), peakBytes: kb('VmHWM') };
}
