import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type CliResult, runCliCaptured, succeeded } from '../helpers/cli.js';
import type { Target } from './registries.js';

export const PASSWORD = 'correct horse battery staple';

export type { CliResult };

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
    return runCliCaptured(argv, { env: extraEnv === undefined ? env() : { ...env(), ...extraEnv } });
  }
  /** A verb that must succeed: its stdout. */
  async function ok(argv: string[]): Promise<string> {
    return succeeded(argv, await cli(argv));
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
