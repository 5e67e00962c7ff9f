/** The value kinds Kyverno's operators compare semantically: Go durations, Kubernetes quantities, semver. */

const DURATION_UNIT: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};
const DURATION_PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const DURATION = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

/** A Go `time.ParseDuration` string in seconds (`1h30m`, `250ms`, `0`), or undefined. */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0' || s === '+0' || s === '-0') return 0;
  const m = DURATION.exec(s);
  if (!m) return undefined;
  let total = 0;
  for (const part of (m[2] as string).matchAll(DURATION_PART)) {
    total += Number(part[1]) * (DURATION_UNIT[part[2] as string] ?? 0);
  }
  return m[1] === '-' ? -total : total;
}

/**
 * Kyverno's duration rule: when key or value is a non-zero duration string, both compare as
 * durations (a number counts as seconds). Undefined when this rule does not apply.
 */
export function asDurations(key: unknown, value: unknown): [number, number] | undefined {
  const kd = typeof key === 'string' ? parseGoDuration(key) : undefined;
  const vd = typeof value === 'string' ? parseGoDuration(value) : undefined;
  if (!kd && !vd) return undefined;
  const k = kd ?? (typeof key === 'number' ? key : undefined);
  const v = vd ?? (typeof value === 'number' ? value : undefined);
  return k === undefined || v === undefined ? undefined : [k, v];
}

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** A Kubernetes resource quantity (`500m`, `1Gi`, `2e3`, `7`) as a number, or undefined. */
export function parseQuantity(s: string): number | undefined {
  const m = QUANTITY.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix === undefined) return n;
  if (suffix[0] === 'e' || suffix[0] === 'E') {
    if (suffix.length > 1) return n * 10 ** Number(suffix.slice(1));
  }
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

const DECIMAL_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number, or a string holding a plain decimal number; else undefined. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && DECIMAL_NUMBER.test(v)) return Number(v);
  return undefined;
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/** Compares two semantic versions (precedence per semver 2.0), or undefined if either is not one. */
export function compareSemver(a: string, b: string): number | undefined {
  const x = SEMVER.exec(a);
  const y = SEMVER.exec(b);
  if (!x || !y) return undefined;
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return Math.sign(d);
  }
  return comparePrerelease(x[4], y[4]);
}

function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const s = pa[i];
    const t = pb[i];
    if (s === undefined) return -1;
    if (t === undefined) return 1;
    if (s === t) continue;
    const ns = /^\d+$/.test(s);
    const nt = /^\d+$/.test(t);
    if (ns && nt) return Math.sign(Number(s) - Number(t));
    if (ns !== nt) return ns ? -1 : 1;
    return s < t ? -1 : 1;
  }
  return 0;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as never)[k], (b as never)[k]));
}
