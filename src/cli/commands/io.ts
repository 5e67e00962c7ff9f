import type { Command } from 'commander';
import { oneLine } from '../../client/errors.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: NodeJS.ReadableStream;
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  setExitCode: (code: number) => void;
}

export function processIo(): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdin: process.stdin,
    isTTY: process.stderr.isTTY === true,
    env: process.env,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

/** A mistake in how the command was called (bad flag value); reported like any other error. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return oneLine(message) || (err instanceof Error ? err.name : 'unknown error');
}

/** Wraps a command action: any error becomes one line on stderr and exit code 1, never a stack trace. */
export function action<A extends unknown[]>(
  io: CliIo,
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      io.stderr(`wharf: ${errorMessage(err)}\n`);
      io.setExitCode(1);
    }
  };
}

export type OutputFormat = 'text' | 'json';

export interface OutputOptions {
  output?: string;
  json?: boolean;
}

/** Adds `-o, --output <text|json>` and its alias `--json`. */
export function withOutput(cmd: Command): Command {
  return cmd
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .option('--json', 'same as --output json');
}

export function outputFormat(opts: OutputOptions): OutputFormat {
  if (opts.json) return 'json';
  const f = opts.output ?? 'text';
  if (f !== 'text' && f !== 'json') throw new UsageError(`unknown output format "${f}" (use text or json)`);
  return f;
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
