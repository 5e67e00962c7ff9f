import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../helpers/process.js';
import { hasTool } from '../../helpers/tools.js';

export const SKOPEO_BIN = process.env.SKOPEO_BIN ?? '/usr/bin/skopeo';

export function hasSkopeo(): boolean {
  return hasTool(SKOPEO_BIN);
}

export interface SkopeoResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * skopeo in a sandbox of its own: HOME, XDG dirs, auth file, registries.conf and registries.d all
 * point into a temp dir (`--registries-conf` is a hidden global flag of skopeo 1.9), so it never reads (or writes) the user's or the system's files, and
 * `--insecure-policy` means no /etc/containers/policy.json is needed.
 */
export class Skopeo {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Skopeo> {
    const dir = await mkdtemp(join(tmpdir(), 'wharf-skopeo-'));
    for (const sub of ['home', 'run', 'config', 'tmp', 'registries.d'])
      await mkdir(join(dir, sub), { mode: 0o700 });
    await writeFile(join(dir, 'registries.conf'), 'unqualified-search-registries = []\n');
    await writeFile(join(dir, 'auth.json'), '{"auths":{}}\n', { mode: 0o600 });
    return new Skopeo(dir);
  }

  private env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(this.dir, 'home'),
      XDG_RUNTIME_DIR: join(this.dir, 'run'),
      XDG_CONFIG_HOME: join(this.dir, 'config'),
      REGISTRY_AUTH_FILE: join(this.dir, 'auth.json'),
      TMPDIR: join(this.dir, 'tmp'),
    };
  }

  /** Runs `skopeo --insecure-policy … SUBCOMMAND ARGS…`; never throws on a non-zero exit. */
  run(args: string[], timeoutMs = 60_000): Promise<SkopeoResult> {
    const global = [
      '--insecure-policy',
      '--registries.d',
      join(this.dir, 'registries.d'),
      '--registries-conf',
      join(this.dir, 'registries.conf'),
      '--tmpdir',
      join(this.dir, 'tmp'),
      '--command-timeout',
      `${Math.ceil(timeoutMs / 1000)}s`,
    ];
    return runProcess(SKOPEO_BIN, [...global, ...args], {
      env: this.env(),
      cwd: this.dir,
      timeoutMs: timeoutMs + 5000,
    });
  }

  /** Like run, but throws with skopeo's stderr when it fails. */
  async ok(args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.run(args, timeoutMs);
    if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    return r.stdout;
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
