import { RegistryClientError } from './errors.js';
import { header, type Transport } from './transport.js';

const NEXT_RE = /<([^>]+)>\s*;\s*rel="?next"?/;
const MAX_PAGES = 100_000;

/** GETs a listing and its `Link: <…>; rel="next"` pages, concatenating `body[field]`. */
export async function fetchPages(
  t: Transport,
  first: string,
  scopes: readonly string[],
  what: string,
  field: 'tags' | 'repositories',
  signal?: AbortSignal,
): Promise<string[]> {
  const out: string[] = [];
  let url: URL | undefined = t.resolve(first);
  for (let page = 0; url; page++) {
    if (page >= MAX_PAGES) throw new RegistryClientError(`${what}: too many pages`, { status: 200 });
    const res = await t.send({ method: 'GET', url, scopes, ok: [200], what, signal });
    const doc = (await res.body.json().catch(() => ({}))) as Record<string, unknown>;
    const items = doc[field];
    if (Array.isArray(items)) out.push(...items.filter((x): x is string => typeof x === 'string'));
    const next = NEXT_RE.exec(header(res.headers, 'link') ?? '')?.[1];
    url = next ? new URL(next, url) : undefined;
  }
  return out;
}
