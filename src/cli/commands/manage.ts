import { text } from 'node:stream/consumers';
import type { Command } from 'commander';
import { ApiClient, type ApiRequest } from '../../client/api-client.js';
import type { Credentials } from '../../client/auth.js';
import { normalizeRegistryKey, readCredentials } from '../../client/docker-config.js';
import {
  action,
  type CliIo,
  type OutputFormat,
  type OutputOptions,
  outputFormat,
  UsageError,
  withOutput,
} from './io.js';

/**
 * What the management verbs (project, user, member, robot, audit, webhook) share: the flags naming
 * the server and the caller, and the verb wrapper that turns failures into one line.
 */

// --- the server and the caller ---------------------------------------------------------------

export interface ApiFlags extends OutputOptions {
  registry?: string | undefined;
  plainHttp?: boolean | undefined;
  username?: string | undefined;
  password?: string | undefined;
  passwordStdin?: boolean | undefined;
}

/**
 * Adds `--registry`, `--plain-http`, `-u/-p` and (unless `passwordStdin: false`, for verbs where
 * stdin carries something else) `--password-stdin`, plus `-o/--json`.
 */
export function withApiFlags(cmd: Command, opts: { passwordStdin?: boolean } = {}): Command {
  const stdin = opts.passwordStdin !== false;
  cmd
    .option('--registry <host[:port]>', 'the Wharf server (default: $WHARF_REGISTRY)')
    .option('--plain-http', 'use http instead of https (default only for localhost, 127.0.0.1 and ::1)')
    .option('-u, --username <user>', 'log in as this user (default: the docker config entry for the server)')
    .option(
      '-p, --password <password>',
      `your password (with -u)${stdin ? '; prefer --password-stdin' : ''}`,
    );
  if (stdin) cmd.option('--password-stdin', 'read your password (with -u) from stdin');
  return withOutput(cmd);
}

/** The note every management verb's --help ends with. */
export const SERVER_HELP = `
The server is --registry HOST[:PORT] or $WHARF_REGISTRY (http for localhost, 127.0.0.1 and ::1,
https elsewhere unless --plain-http). Credentials: -u/-p or --password-stdin, else those stored by
\`wharf login HOST\` in $DOCKER_CONFIG/config.json (~/.docker/config.json).`;

export async function readSecretStdin(io: CliIo): Promise<string> {
  return (await text(io.stdin)).replace(/\r?\n$/, '');
}

async function credentialsFrom(io: CliIo, host: string, f: ApiFlags): Promise<Credentials | undefined> {
  if (f.password !== undefined && f.passwordStdin)
    throw new UsageError('--password and --password-stdin are mutually exclusive');
  if (f.username === undefined) {
    if (f.password !== undefined || f.passwordStdin) throw new UsageError('a password needs -u USER');
    return readCredentials(host, { env: io.env });
  }
  const password = f.passwordStdin ? await readSecretStdin(io) : f.password;
  if (password === undefined)
    throw new UsageError(
      `-u ${f.username} needs -p PASSWORD${f.passwordStdin === false ? '' : ' or --password-stdin'}`,
    );
  return { username: f.username, password };
}

/** A management API client for the server and caller the flags (or $WHARF_REGISTRY) name. */
export async function apiFor(io: CliIo, f: ApiFlags): Promise<ApiClient> {
  const target = f.registry ?? io.env.WHARF_REGISTRY;
  if (!target) throw new UsageError('no server given: pass --registry HOST[:PORT] or set WHARF_REGISTRY');
  const scheme = /^(https?):\/\//i.exec(target)?.[1]?.toLowerCase();
  const host = normalizeRegistryKey(target);
  if (host === '') throw new UsageError(`--registry "${target}" names no host`);
  const plainHttp = f.plainHttp === true || (scheme === undefined ? undefined : scheme === 'http');
  return new ApiClient({ registry: host, plainHttp, credentials: await credentialsFrom(io, host, f) });
}

// --- verbs -----------------------------------------------------------------------------------

/** What a management verb's action is given. */
export interface Call<F extends ApiFlags> {
  io: CliIo;
  flags: F;
  format: OutputFormat;
  /** {@link ApiClient.request} on a client connected at first use (after the flags are checked). */
  request: <T = unknown>(r: ApiRequest) => Promise<T>;
  /** {@link ApiClient.list}, likewise. */
  list: <T>(r: Omit<ApiRequest, 'method' | 'body'>, limit?: number) => Promise<T[]>;
}

/** A management subcommand of `parent`, its --help ending with how the server is named. */
export function verb(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).addHelpText('after', SERVER_HELP);
}

/**
 * Adds the API flags (after the verb's own) and the action: `fn` gets the call and the positional
 * arguments; any error is one line on stderr and exit code 1.
 */
export function run<F extends ApiFlags, A extends string[]>(
  io: CliIo,
  cmd: Command,
  fn: (call: Call<F>, args: A) => Promise<void>,
  opts: { passwordStdin?: boolean } = {},
): void {
  withApiFlags(cmd, opts).action(
    action(io, async () => {
      const flags = cmd.opts<F>();
      const format = outputFormat(flags);
      let client: Promise<ApiClient> | undefined;
      // Where stdin carries something else, --password-stdin is not the caller's.
      const api = () =>
        (client ??= apiFor(io, opts.passwordStdin === false ? { ...flags, passwordStdin: false } : flags));
      const call: Call<F> = {
        io,
        flags,
        format,
        request: async (r) => (await api()).request(r),
        list: async (r, limit) => (await api()).list(r, limit),
      };
      await fn(call, cmd.processedArgs as A);
    }),
  );
}
