import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool } from './tools.js';

/**
 * podman and buildah in a sandbox of their own, for tests that only move images (pull, push, tag,
 * inspect, `buildah from scratch` + copy + commit, `buildah build` without RUN): no container runs,
 * no network but 127.0.0.1.
 *
 * Everything podman and buildah read or write lives in one temp dir: storage (`--root`,
 * `--runroot`, the vfs driver: no overlay, no fuse), containers.conf (cgroupfs, file events, its
 * tmp/network dirs), registries.conf (no search registries: every name is fully qualified),
 * policy.json (accept anything; found through $HOME/.config/containers), the auth file, HOME and the
 * XDG dirs. Both tools share the storage, so an image buildah commits is one podman pushes.
 *
 * What stays outside, as root, because podman 4.3 / buildah 1.28 hard-code it: the empty netavark
 * run dir /run/containers/networks, and containers/image's blob-info cache
 * /var/lib/containers/cache/blob-info-cache-v1.boltdb (shared with skopeo; a hint cache only).
 * Short names would also write /var/cache/containers: always use fully qualified names.
 */

export const PODMAN_BIN = process.env.PODMAN_BIN ?? '/usr/bin/podman';
export const BUILDAH_BIN = process.env.BUILDAH_BIN ?? '/usr/bin/buildah';

export function hasPodman(): boolean {
  return hasTool(PODMAN_BIN);
}

export function hasBuildah(): boolean {
  return hasTool(BUILDAH_BIN);
}

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the tool's stdin (e.g. for `--password-stdin`); stdin is closed either way. */
  input?: string;
  /** Killed (SIGKILL) after this long. Default 30 s, inside vitest's 60 s per test. */
  timeoutMs?: number;
}

/** Runs a command to completion with execFile; resolves with its exit code and output, never on a non-zero exit. */
function exec(
  bin: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number; input?: string },
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      {
        env: opts.env,
        cwd: opts.cwd,
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 32 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        // A string code is a failure to run at all (ENOENT, maxBuffer), not an exit status.
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
        resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

export class Podman {
  private constructor(readonly dir: string) {}

  /** A fresh sandbox: its own storage, configuration, auth file and HOME. */
  static async create(): Promise<Podman> {
    // Lowercase on purpose: podman names an image pulled from `oci:PATH` after PATH, and a name
    // must be lowercase (mkdtemp's suffix is not). Short on purpose: podman refuses a runroot
    // longer than 50 characters.
    const dir = join(tmpdir(), `wharf-podman-${randomBytes(4).toString('hex')}`);
    if (dir !== dir.toLowerCase() || join(dir, 'runroot').length > 50)
      throw new Error(`podman sandbox: ${dir} must be lowercase and short (set TMPDIR)`);
    await mkdir(dir, { mode: 0o700 });
    const p = (...parts: string[]) => join(dir, ...parts);
    for (const sub of ['root', 'runroot', 'run', 'tmp', 'config', 'data', 'networks', 'libpod'])
      await mkdir(p(sub), { mode: 0o700 });
    await mkdir(p('home', '.config', 'containers'), { recursive: true, mode: 0o700 });
    await writeFile(
      p('storage.conf'),
      ['[storage]', 'driver = "vfs"', `graphroot = "${p('root')}"`, `runroot = "${p('runroot')}"`, ''].join(
        '\n',
      ),
    );
    await writeFile(
      p('containers.conf'),
      [
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `events_logfile_path = "${p('events.log')}"`,
        `tmp_dir = "${p('libpod')}"`,
        `image_copy_tmp_dir = "${p('tmp')}"`,
        '[network]',
        `network_config_dir = "${p('networks')}"`,
        '',
      ].join('\n'),
    );
    await writeFile(
      p('registries.conf'),
      'unqualified-search-registries = []\nshort-name-mode = "disabled"\n',
    );
    await writeFile(
      p('home', '.config', 'containers', 'policy.json'),
      '{"default":[{"type":"insecureAcceptAnything"}]}\n',
    );
    await writeFile(p('auth.json'), '{"auths":{}}\n', { mode: 0o600 });
    return new Podman(dir);
  }

  /** The auth file `podman login` writes and push/pull read. */
  get authFile(): string {
    return join(this.dir, 'auth.json');
  }

  /** The environment both tools run with: nothing inherited but PATH. */
  env(): NodeJS.ProcessEnv {
    const p = (...parts: string[]) => join(this.dir, ...parts);
    return {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: p('home'),
      XDG_RUNTIME_DIR: p('run'),
      XDG_CONFIG_HOME: p('config'),
      XDG_DATA_HOME: p('data'),
      TMPDIR: p('tmp'),
      CONTAINERS_CONF: p('containers.conf'),
      CONTAINERS_REGISTRIES_CONF: p('registries.conf'),
      CONTAINERS_STORAGE_CONF: p('storage.conf'),
      REGISTRY_AUTH_FILE: this.authFile,
      BUILDAH_ISOLATION: 'chroot',
    };
  }

  /** The storage flags, repeated on the command line so no other storage.conf can win. */
  private storageFlags(): string[] {
    return [
      '--root',
      join(this.dir, 'root'),
      '--runroot',
      join(this.dir, 'runroot'),
      '--storage-driver',
      'vfs',
    ];
  }

  /** `podman <storage flags> ARGS…`; never throws on a non-zero exit. */
  run(args: string[], opts: RunOptions = {}): Promise<ToolResult> {
    const global = [...this.storageFlags(), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
    return exec(PODMAN_BIN, [...global, ...args], this.execOptions(opts));
  }

  /** Like run, but throws with podman's stderr when it fails; returns stdout. */
  async ok(args: string[], opts?: RunOptions): Promise<string> {
    return check('podman', args, await this.run(args, opts));
  }

  /** `buildah <storage flags> ARGS…` on the same storage (chroot isolation); never throws on a non-zero exit. */
  buildah(args: string[], opts: RunOptions = {}): Promise<ToolResult> {
    return exec(BUILDAH_BIN, [...this.storageFlags(), ...args], this.execOptions(opts));
  }

  async buildahOk(args: string[], opts?: RunOptions): Promise<string> {
    return check('buildah', args, await this.buildah(args, opts));
  }

  /**
   * `buildah build` (chroot isolation) of `FROM scratch` + one copied file, named `ref`; returns the
   * local image; push it with `pushWithDigest`.
   */
  async buildScratchImage(ref: string, file: { name: string; text: string }): Promise<void> {
    const ctx = join(this.dir, `ctx-${randomBytes(4).toString('hex')}`);
    await mkdir(ctx);
    await writeFile(join(ctx, file.name), file.text);
    await writeFile(join(ctx, 'Containerfile'), `FROM scratch\nCOPY ${file.name} /${file.name}\n`);
    await this.buildahOk([
      'build',
      '--isolation',
      'chroot',
      '-f',
      join(ctx, 'Containerfile'),
      '-t',
      ref,
      ctx,
    ]);
  }

  /** `buildah push` to a plain-HTTP registry; returns the manifest digest it pushed. */
  async pushWithDigest(ref: string): Promise<string> {
    const digestFile = join(this.dir, `digest-${randomBytes(4).toString('hex')}`);
    await this.buildahOk(['push', '--tls-verify=false', '--digestfile', digestFile, ref]);
    return (await readFile(digestFile, 'utf8')).trim();
  }

  /** `podman login` to a plain-HTTP registry, the secret on stdin (any `$` in the name is passed as is: no shell). */
  login(host: string, username: string, secret: string, opts: RunOptions = {}): Promise<ToolResult> {
    return this.run(['login', '--tls-verify=false', '--username', username, '--password-stdin', host], {
      ...opts,
      input: `${secret}\n`,
    });
  }

  /**
   * Imports the image tagged `tag` in the OCI layout at `layout` (any path) and names it `name`
   * (fully qualified), its only name; returns its image ID (the config's digest, hex).
   */
  async loadOciLayout(layout: string, tag: string, name: string): Promise<string> {
    // Through a link inside the (lowercase) sandbox: podman derives a name from the path it pulls.
    const link = join(this.dir, `layout-${randomBytes(4).toString('hex')}`);
    await symlink(layout, link);
    const id = (await this.ok(['pull', '--quiet', `oci:${link}:${tag}`])).trim();
    await this.ok(['untag', id]);
    await this.ok(['tag', id, name]);
    return id;
  }

  /** True when the image (name or ID) is in local storage. */
  async imageExists(ref: string): Promise<boolean> {
    const r = await this.run(['image', 'exists', ref]);
    if (r.code !== 0 && r.code !== 1)
      throw new Error(`podman image exists ${ref} exited ${r.code}: ${r.stderr}`);
    return r.code === 0;
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private execOptions(opts: RunOptions) {
    return {
      env: this.env(),
      cwd: this.dir,
      timeoutMs: opts.timeoutMs ?? 30_000,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    };
  }
}

function check(tool: string, args: string[], r: ToolResult): string {
  if (r.code !== 0)
    throw new Error(`${tool} ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}
