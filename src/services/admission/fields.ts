/** A strict reader over parsed YAML: every unknown or unsupported field is a problem naming its path. */

export type Path = readonly (string | number)[];

export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

export interface FieldRules {
  /** Fields read by the caller. */
  known: readonly string[];
  /** Fields accepted and ignored (they change nothing offline), so real policies load. */
  ignored?: readonly string[];
  /** Fields Wharf refuses, with the reason. */
  refused?: Readonly<Record<string, string>>;
}

export type Obj = Readonly<Record<string, unknown>>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class FieldReader {
  readonly problems: string[] = [];

  constructor(private readonly where: (path: Path) => string = formatPath) {}

  fail(path: Path, message: string): void {
    this.problems.push(`${this.where(path)}: ${message}`);
  }

  /** The object at `path` with only allowed fields, or undefined (a problem is recorded) if it is not one. */
  object(path: Path, v: unknown, rules: FieldRules): Obj | undefined {
    if (!isObject(v)) {
      this.fail(path, `expected an object, got ${describe(v)}`);
      return undefined;
    }
    for (const key of Object.keys(v)) {
      if (rules.known.includes(key) || rules.ignored?.includes(key)) continue;
      const refused = rules.refused?.[key];
      if (refused !== undefined) this.fail([...path, key], `not supported: ${refused}`);
      else this.fail([...path, key], `unknown field (supported: ${rules.known.join(', ')})`);
    }
    return v;
  }

  string(path: Path, v: unknown, required = false): string | undefined {
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'required');
      return undefined;
    }
    if (typeof v !== 'string') {
      this.fail(path, `expected a string, got ${describe(v)}`);
      return undefined;
    }
    if (required && v === '') this.fail(path, 'must not be empty');
    return v;
  }

  bool(path: Path, v: unknown, fallback: boolean): boolean {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') {
      this.fail(path, `expected true or false, got ${describe(v)}`);
      return fallback;
    }
    return v;
  }

  /** A list; each element is read by `item` (undefined results are dropped). */
  list<T>(path: Path, v: unknown, item: (p: Path, x: unknown) => T | undefined, required = false): T[] {
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'required');
      return [];
    }
    if (!Array.isArray(v)) {
      this.fail(path, `expected a list, got ${describe(v)}`);
      return [];
    }
    if (required && v.length === 0) this.fail(path, 'must not be empty');
    const out: T[] = [];
    v.forEach((x: unknown, i) => {
      const r = item([...path, i], x);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  strings(path: Path, v: unknown, required = false): string[] {
    return this.list(path, v, (p, x) => this.string(p, x, true), required);
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`.slice(0, 80);
}
