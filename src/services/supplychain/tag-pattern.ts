/**
 * Tag globs for the provenance rule: `*` matches any run of characters (none included), `?` exactly
 * one; everything else is literal. Tags are `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`, so a pattern is
 * made of those characters and the two wildcards.
 */
const PATTERN_RE = /^[A-Za-z0-9_.*?-]{1,128}$/;

export function isTagPattern(pattern: string): boolean {
  return PATTERN_RE.test(pattern);
}

/** Whether `tag` matches the glob `pattern` (whole tag, case-sensitive). */
export function tagMatches(pattern: string, tag: string): boolean {
  const re = pattern.replace(/[.*?-]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${re}$`).test(tag);
}
