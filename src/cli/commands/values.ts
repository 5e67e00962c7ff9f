import { UsageError } from './io.js';

/** Parsers for the management verbs' flag values (sizes, counts, times, lists). */

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
