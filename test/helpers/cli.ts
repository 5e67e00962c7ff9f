import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { runCli } from '../../src/cli/commands/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process (the same commands as `wharf`, without building or spawning it), usually
 * against a real server a test has started, and captures what it writes: exit code, stdout and
 * stderr. Nothing comes from the test process itself: `env` is the whole environment the CLI sees,
 * stdin is `stdin` (empty when not given), and it is never a terminal (no progress bars).
 */
export async function runCliCaptured(
  argv: string[],
  opts: { env: NodeJS.ProcessEnv; stdin?: string | Buffer },
): Promise<CliResult> {
  const out: CliResult = { code: 0, stdout: '', stderr: '' };
  out.code = await runCli(argv, {
    stdout: (s) => {
      out.stdout += s;
    },
    stderr: (s) => {
      out.stderr += s;
    },
    stdin: opts.stdin === undefined ? Readable.from([]) : Readable.from([Buffer.from(opts.stdin)]),
    isTTY: false,
    env: opts.env,
  });
  return out;
}

/**
 * Expects `r` to be a success (exit 0, nothing on stderr) and returns its stdout. `argv` only labels
 * a failure (it is on both sides of the comparison).
 */
export function succeeded(argv: unknown, r: CliResult): string {
  expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 0, stderr: '' });
  return r.stdout;
}
