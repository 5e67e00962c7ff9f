import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';
import { hasTool } from './tools.js';

export const DOCKER_REGISTRY_BIN = process.env.DOCKER_REGISTRY_BIN ?? '/usr/bin/docker-registry';

export interface DockerRegistryOptions {
  /** Require Basic auth with this user (the hash is made with python3's crypt, bcrypt). */
  htpasswd?: { user: string; password: string };
  /** Keep the storage directory here instead of a fresh temp dir (not removed on stop). */
  storageDir?: string;
  /** How long to wait for `/v2/` to answer. Default 10 s. */
  startTimeoutMs?: number;
}

export interface DockerRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, usable as the registry part of a reference. */
  host: string;
  port: number;
  /** The temp directory holding config and (by default) storage. */
  dir: string;
  stop(): Promise<void>;
}

export { freePort };

export function hasDockerRegistry(): boolean {
  return hasTool(DOCKER_REGISTRY_BIN);
}

/** A bcrypt htpasswd line (`user:$2b$…`), which is all distribution's htpasswd auth accepts. */
export function htpasswdLine(user: string, password: string): string {
  const script =
    'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))';
  const r = spawnSync('python3', ['-W', 'ignore', '-c', script, password], { encoding: 'utf8' });
  const hash = r.stdout?.trim() ?? '';
  if (r.status !== 0 || !hash.startsWith('$2')) {
    throw new Error(`cannot make a bcrypt hash with python3 crypt: ${r.stderr?.trim() || r.error?.message}`);
  }
  return `${user}:${hash}\n`;
}

function configYaml(dir: string, storage: string, port: number, htpasswd: boolean): string {
  const auth = htpasswd
    ? `auth:\n  htpasswd:\n    realm: wharf-test\n    path: ${join(dir, 'htpasswd')}\n`
    : '';
  return `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: wharf-test-secret
${auth}`;
}

async function waitReady(
  url: string,
  child: ChildProcess,
  stderr: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `docker-registry exited (${child.exitCode ?? child.signalCode}): ${stderr().trim().slice(-2000)}`,
      );
    }
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `docker-registry did not answer ${url}/v2/ within ${timeoutMs} ms: ${stderr().trim().slice(-2000)}`,
  );
}

/** Registries still running; killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function stopChild(child: ChildProcess): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

async function startOnce(dir: string, opts: DockerRegistryOptions): Promise<DockerRegistry> {
  const port = await freePort();
  const storage = opts.storageDir ?? join(dir, 'data');
  if (opts.htpasswd)
    await writeFile(join(dir, 'htpasswd'), htpasswdLine(opts.htpasswd.user, opts.htpasswd.password));
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, configYaml(dir, storage, port, opts.htpasswd !== undefined));
  const child = spawn(DOCKER_REGISTRY_BIN, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-20_000);
  });
  child.once('error', (err) => {
    stderr += `\nspawn failed: ${err.message}`;
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, () => stderr, opts.startTimeoutMs ?? 10_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url, host: `127.0.0.1:${port}`, port, dir, stop: () => stopChild(child) };
}

/**
 * Starts Debian's `docker-registry` (CNCF distribution) on a free 127.0.0.1 port with filesystem
 * storage in a temp dir and deletes enabled; `stop()` kills it and removes the temp dir.
 */
export async function startDockerRegistry(opts: DockerRegistryOptions = {}): Promise<DockerRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-docker-registry-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const reg = await startOnce(dir, opts);
      return {
        ...reg,
        stop: async () => {
          await reg.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      if (!/address already in use/i.test(String(err))) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
