/** The /v2 API's path grammar. Names contain slashes, so matching is by suffix, as distribution does. */
export type RouteKind =
  | 'base'
  | 'catalog'
  | 'tags'
  | 'manifest'
  | 'blob'
  | 'uploads'
  | 'upload'
  | 'referrers';

export interface RouteMatch {
  kind: RouteKind;
  name: string;
  /** Tag, digest or upload id, depending on the kind. */
  ref: string;
}

const PATTERNS: [RouteKind, RegExp][] = [
  ['tags', /^\/v2\/(.+)\/tags\/list$/],
  ['manifest', /^\/v2\/(.+)\/manifests\/([^/]+)$/],
  ['uploads', /^\/v2\/(.+)\/blobs\/uploads\/?$/],
  ['upload', /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/],
  ['blob', /^\/v2\/(.+)\/blobs\/([^/]+)$/],
  ['referrers', /^\/v2\/(.+)\/referrers\/([^/]+)$/],
];

export function matchRoute(path: string): RouteMatch | undefined {
  if (path === '/v2/' || path === '/v2') return { kind: 'base', name: '', ref: '' };
  if (path === '/v2/_catalog') return { kind: 'catalog', name: '', ref: '' };
  for (const [kind, re] of PATTERNS) {
    const m = re.exec(path);
    if (m) return { kind, name: m[1] ?? '', ref: m[2] ?? '' };
  }
  return undefined;
}

/** Splits a raw request URL into its path and query without decoding the path (names never need it). */
export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}
