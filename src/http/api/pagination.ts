import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from './errors.js';

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

/**
 * Cursor pagination, as /v2 does it: `n` items after `last` (the key of the previous page's last
 * item). When more follow, the reply carries `Link: <…?n=…&last=…>; rel="next"`.
 */
export const PageQuery = {
  n: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE, description: 'Page size' }),
  ),
  last: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'Key of the last item of the previous page' }),
  ),
};

export interface PageParams {
  n?: number;
  last?: string;
}

/** What to ask the store for: one more than the page, to know whether another page follows. */
export function probe(q: PageParams): { n: number; last?: string } {
  const n = (q.n ?? DEFAULT_PAGE) + 1;
  return q.last === undefined ? { n } : { n, last: q.last };
}

/** Trims `items` (fetched with `probe`) to the page and sets the Link header when more follow. */
export function page<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  q: PageParams,
  items: T[],
  keyOf: (item: T) => string,
): T[] {
  const n = q.n ?? DEFAULT_PAGE;
  if (items.length <= n) return items;
  const kept = items.slice(0, n);
  const lastItem = kept.at(-1);
  if (lastItem !== undefined) {
    const url = new URL(req.url, 'http://x');
    url.searchParams.set('n', String(n));
    url.searchParams.set('last', keyOf(lastItem));
    reply.header('Link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return kept;
}

/**
 * `last` of a newest-first history (runs, executions, deliveries, tag history) is the id of the
 * previous page's last entry: the page holds the entries before it. Anything else is a 400.
 */
export function beforeId(last: string | undefined): number | undefined {
  if (last === undefined) return undefined;
  const id = Number(last);
  if (!Number.isSafeInteger(id) || id < 1)
    throw invalid('last must be the id of the previous page’s last entry', {
      in: 'querystring',
      field: 'last',
    });
  return id;
}
