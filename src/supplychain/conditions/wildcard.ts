/**
 * Kyverno's wildcard match (minio's, via go-wildcard): `*` matches any run of characters, `/`
 * included, `?` exactly one; everything else is literal. The whole string must match.
 */
export function wildcardMatch(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  const p = Array.from(pattern);
  const s = Array.from(name);
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < s.length) {
    if (i < p.length && (p[i] === '?' || p[i] === s[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === '*') {
      star = i++;
      mark = j;
    } else if (star !== -1) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.length && p[i] === '*') i++;
  return i === p.length;
}

export function matchesAny(patterns: readonly string[], name: string): string | undefined {
  return patterns.find((p) => wildcardMatch(p, name));
}
