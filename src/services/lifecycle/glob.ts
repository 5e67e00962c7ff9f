/**
 * Doublestar globs, as Harbor's tag rules use them (bmatcuk/doublestar): `**` matches any run of
 * characters across `/` (a whole `**` segment matches zero or more segments, so `**` + `/app` also
 * matches `app`), `*` any run within a segment, `?` one character within a segment, `{a,b}` one of
 * the alternatives (nesting allowed). Everything else is literal. A pattern matches the whole name.
 */

export class GlobError extends Error {
  constructor(pattern: string, reason: string) {
    super(`invalid pattern "${pattern.slice(0, 100)}": ${reason}`);
    this.name = 'GlobError';
  }
}

const literal = (c: string) => c.replace(/[\\^$.|+()[\]{}*?/-]/g, '\\$&');

function translate(pattern: string): string {
  let re = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    const segmentStart = i === 0 || pattern.charAt(i - 1) === '/';
    if (c === '*' && pattern.charAt(i + 1) === '*') {
      i++;
      if (segmentStart && pattern.charAt(i + 1) === '/') {
        re += '(?:.*/)?';
        i++;
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '/' && pattern.slice(i) === '/**' && depth === 0) {
      re += '(?:/.*)?';
      break;
    } else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}') {
      if (depth === 0) throw new GlobError(pattern, "'}' without '{'");
      depth--;
      re += ')';
    } else if (c === ',') {
      if (depth === 0) throw new GlobError(pattern, "',' outside '{…}'");
      re += '|';
    } else re += literal(c);
  }
  if (depth > 0) throw new GlobError(pattern, "'{' without '}'");
  return `^${re}$`;
}

const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 1000;

/** The pattern as a RegExp over whole names; throws {@link GlobError} when it is malformed. */
export function globRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(translate(pattern), 's');
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether `name` matches the doublestar glob `pattern` (whole name, case-sensitive). */
export function globMatches(pattern: string, name: string): boolean {
  return globRegExp(pattern).test(name);
}
