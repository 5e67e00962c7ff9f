import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ProcessResult, runProcess } from './process.js';

/** The repository root (…/test/helpers/../..). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

// ---------------------------------------------------------------------------------------------
// Building dist/ once, even when several test files (forks) ask at the same time.
// ---------------------------------------------------------------------------------------------

async function newestSourceMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, await newestSourceMtime(path));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
      newest = Math.max(newest, (await stat(path)).mtimeMs);
    }
  }
  return newest;
}

async function mtimeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function distIsFresh(): Promise<boolean> {
  const built = await mtimeOf(CLI_MAIN);
  return built !== undefined && built >= (await newestSourceMtime(join(REPO_ROOT, 'src')));
}

function runTsc(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      output += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      output += s;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** A cross-process lock: mkdir is atomic; a lock older than `staleMs` is taken over. */
async function withLock<T>(dir: string, fn: () => Promise<T>, staleMs = 120_000): Promise<T> {
  const deadline = Date.now() + staleMs + 10_000;
  for (;;) {
    try {
      await mkdir(dir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const since = await mtimeOf(dir);
      if (since !== undefined && Date.now() - since > staleMs)
        await rm(dir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${dir}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Makes sure `dist/cli/main.js` is built from the current sources (runs `tsc -p tsconfig.build.json`
 * when any non-test file under src/ is newer). Type errors fail the build.
 */
export function ensureBuilt(): Promise<string> {
  // Once per test process: a server restarted mid-test must run the same build as before.
  built ??= build();
  return built;
}

let built: Promise<string> | undefined;

async function build(): Promise<string> {
  if (await distIsFresh()) return CLI_MAIN;
  const key = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12);
  await withLock(join(tmpdir(), `wharf-e2e-build-${key}.lock`), async () => {
    if (await distIsFresh()) return;
    const { code, output } = await runTsc();
    if (code !== 0)
      throw new Error(`tsc -p tsconfig.build.json failed (exit ${code}):\n${output.slice(-4000)}`);
  });
  return CLI_MAIN;
}

// ---------------------------------------------------------------------------------------------
// Running the CLI
// ---------------------------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The environment a child gets: ours without any WHARF_* variable, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WHARF_')) env[k] = v;
  return { ...env, ...extra };
}

export type CliResult = ProcessResult;

/** Runs `node dist/cli/main.js ARGS…` to completion (killed after `timeoutMs`). */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runProcess(process.execPath, [CLI_MAIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: childEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 15_000,
  });
}

// ---------------------------------------------------------------------------------------------
// A `wharf serve` child process
// ---------------------------------------------------------------------------------------------

export interface ChildServerOptions {
  /** Data directory; kept across restarts, never removed by this helper. */
  dataDir: string;
  auth?: 'none' | 'basic';
  /** Metadata database URL (postgres://…); SQLite in the data dir when absent. */
  database?: string;
  /** Extra environment (WHARF_* overrides, WHARF_ADMIN_PASSWORD…). */
  env?: Record<string, string>;
  /** Extra CLI arguments after `serve`. */
  args?: string[];
  /** Working directory of the child. Default: the data dir's parent. */
  cwd?: string;
  /** How long to wait for /v2/ to answer. Default 15 s. */
  startTimeoutMs?: number;
  /** Listen on this port (a restart reuses the port it had). Default: a free one. */
  port?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A `node dist/cli/main.js serve` process on 127.0.0.1. */
export class ChildServer {
  readonly url: string;
  readonly exited: Promise<ExitStatus>;
  private out = '';
  private err = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly options: ChildServerOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      this.out = (this.out + s).slice(-100_000);
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.err = (this.err + s).slice(-100_000);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (e) => {
        this.err += `\nspawn failed: ${e.message}`;
        resolve({ code: null, signal: null });
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts a server and waits until `/v2/` answers (200 or 401). */
  static async start(options: ChildServerOptions): Promise<ChildServer> {
    await ensureBuilt();
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = attempt === 0 && options.port !== undefined ? options.port : await freePort();
      const server = ChildServer.spawn(options, port);
      try {
        await server.waitReady(options.startTimeoutMs ?? 15_000);
        return server;
      } catch (err) {
        lastError = err;
        await server.kill('SIGKILL');
        if (!/EADDRINUSE|address already in use/i.test(String(err))) break;
      }
    }
    throw lastError;
  }

  private static spawn(options: ChildServerOptions, port: number): ChildServer {
    const args = [
      CLI_MAIN,
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--data',
      options.dataDir,
      '--auth',
      options.auth ?? 'none',
      '--log-level',
      'warn',
      ...(options.database ? ['--database', options.database] : []),
      ...(options.args ?? []),
    ];
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? join(options.dataDir, '..'),
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ChildServer(child, port, options);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        const st = await this.exited;
        throw new Error(
          `wharf serve exited (${st.code ?? st.signal}) before answering: ${this.err.trim().slice(-3000)}`,
        );
      }
      try {
        const res = await fetch(`${this.url}/v2/`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 401) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(
      `wharf serve did not answer ${this.url}/v2/ within ${timeoutMs} ms: ${this.err.trim().slice(-3000)}`,
    );
  }

  /** Sends `signal` and waits for the process to exit (SIGKILL after `timeoutMs`). */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 10_000): Promise<ExitStatus> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A new process on the same data dir (and, if it is free, the same port). */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<ChildServer> {
    await this.kill(signal);
    return ChildServer.start({ ...this.options, port: this.port });
  }
}
