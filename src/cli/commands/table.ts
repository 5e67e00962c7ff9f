import { type CliIo, type OutputFormat, printJson } from './io.js';

/** Tables and list/show/done output for the management verbs. */

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
