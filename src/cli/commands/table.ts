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
  printJson,
  UsageError,
  withOutput,
} from './io.js';

/**
 * What the management verbs (project, user, member, robot, audit, webhook) share: the table
 * printer, list/show/done output, the flags naming the server and the caller, and value parsers.
 */

// --- tables ----------------------------------------------------------------------------------

export type Cell = string | number | boolean | null | undefined;

export interface Column<T> {
  /** The table header (`PULL RATE`); in `show`, `Pull rate:` unless `label` says otherwise. */
  header: string;
  label?: string;
  get: (row: T) => Cell;
}

/** null and undefined show as `-`, booleans as yes/no. */
export function cellText(v: Cell): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v).replace(/\s+/g, ' ');
}

/** A header row and one row per item, columns left-aligned and two spaces apart. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => cellText(c.get(r))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells.map((row) => `${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()).join('\n');
}

/** `Label:  value` lines, values aligned. */
export function formatFields(fields: readonly [string, Cell][]): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  return fields.map(([label, v]) => `${`${label}:`.padEnd(width)}  ${cellText(v)}`).join('\n');
}

// --- output ----------------------------------------------------------------------------------

export function printRows<T>(
  io: CliIo,
  format: OutputFormat,
  rows: readonly T[],
  columns: Column<T>[],
): void {
  if (format === 'json') printJson(io, rows);
  else io.stdout(`${formatTable(rows, columns)}\n`);
}

/** One record: its JSON, or a `Label:  value` line per column. */
export function printRecord<T>(io: CliIo, format: OutputFormat, record: T, columns: Column<T>[]): void {
  const label = (c: Column<T>) => c.label ?? `${c.header.slice(0, 1)}${c.header.slice(1).toLowerCase()}`;
  if (format === 'json') printJson(io, record);
  else io.stdout(`${formatFields(columns.map((c) => [label(c), c.get(record)]))}\n`);
}

/** A mutation's result: `json` under --json, else one line of text. */
export function printDone(io: CliIo, format: OutputFormat, json: unknown, line: string): void {
  if (format === 'json') printJson(io, json);
  else io.stdout(`${line}\n`);
}

/** `2024-05-01T10:20:30.123Z` → `2024-05-01 10:20:30Z`; anything else as it is. */
export function shortTime(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(v) ? `${v.slice(0, 10)} ${v.slice(11, 19)}Z` : v;
}

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

// --- values ----------------------------------------------------------------------------------

/** Decimal and binary size units, lower-cased. */
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `10GiB`, `500MB`, `1024` (bytes) → bytes; `none` → null (unlimited). */
export function parseBytes(value: string, flag: string): number | null {
  if (/^(none|unlimited)$/i.test(value)) return null;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined)
    throw new UsageError(`${flag} must be a size like 10GiB, 500MB or 1024, or none (got "${value}")`);
  return Math.round(Number(m[1]) * unit);
}

/** A positive integer; `none` → null when `allowNone`. */
export function parseCount(value: string, flag: string, allowNone = false): number | null {
  if (allowNone && /^(none|unlimited)$/i.test(value)) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer${allowNone ? ' or none' : ''} (got "${value}")`);
  return n;
}

/** `--limit N`: undefined when absent. */
export function parseLimit(value: string | undefined): number | undefined {
  return value === undefined ? undefined : (parseCount(value, '--limit') ?? undefined);
}

const SPAN_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

/**
 * `30d`, `12h`, `90m`, `2w` (a span from now, into the past with `direction: -1`) or a date
 * (`2025-01-31`, RFC 3339) → an RFC 3339 timestamp.
 */
export function parseWhen(value: string, flag: string, direction: 1 | -1, now = Date.now()): string {
  const span = /^(\d+)([smhdw])$/.exec(value);
  if (span) return new Date(now + direction * Number(span[1]) * (SPAN_MS[span[2] ?? 's'] ?? 0)).toISOString();
  const t = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t))
    throw new UsageError(`${flag} must be a span like 30d or 12h, or a date (got "${value}")`);
  return new Date(t).toISOString();
}

/** `a,b , c` → ['a','b','c']; repeated flags are collected by commander into one array first. */
export function splitList(values: string | readonly string[] | undefined): string[] {
  const all = typeof values === 'string' ? [values] : (values ?? []);
  return all
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Commander collector for repeatable options. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
