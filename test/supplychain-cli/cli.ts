import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { runCli } from '../../src/cli/commands/index.js';
import type { Target } from './registries.js';

export const PASSWORD = 'correct horse battery staple';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with a docker config holding `target`'s credentials and COSIGN_PASSWORD. */
export function cliFor(home: () => string, target: () => Target) {
  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    DOCKER_CONFIG: join(home(), 'docker'),
    HOME: home(),
    COSIGN_PASSWORD: PASSWORD,
    ...extra,
  });
  async function cli(argv: string[], extraEnv?: NodeJS.ProcessEnv): Promise<CliResult> {
    const t = target();
    const dir = home();
    if (t.credentials) {
      const auth = Buffer.from(`${t.credentials.username}:${t.credentials.password}`).toString('base64');
      await mkdir(join(dir, 'docker'), { recursive: true });
      await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { [t.host]: { auth } } }));
    }
    const out = { code: 0, stdout: '', stderr: '' };
    out.code = await runCli(argv, {
      stdout: (s) => {
        out.stdout += s;
      },
      stderr: (s) => {
        out.stderr += s;
      },
      stdin: Readable.from([]),
      isTTY: false,
      env: extraEnv === undefined ? env() : { ...env(), ...extraEnv },
    });
    return out;
  }
  /** A verb that must succeed: its stdout. */
  async function ok(argv: string[]): Promise<string> {
    const r = await cli(argv);
    expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 0, stderr: '' });
    return r.stdout;
  }
  /** A verb that must fail with one line `wharf: …` on stderr; returns that line without the prefix. */
  async function fails(argv: string[], extraEnv?: NodeJS.ProcessEnv): Promise<string> {
    const r = await cli(argv, extraEnv);
    expect({ argv, code: r.code }).toEqual({ argv, code: 1 });
    expect(r.stderr).toMatch(/^wharf: [^\n]+\n$/);
    return r.stderr.slice('wharf: '.length, -1);
  }
  return { cli, ok, fails };
}
