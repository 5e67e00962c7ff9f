import { parseDigest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import { MediaType } from '../../oci/media-types.js';
import type { Page } from '../../ports/meta-store.js';
import type { Listing } from '../../services/registry/index.js';
import type { V2Context } from './context.js';

/** Without `n` a client gets everything up to this many, with a Link header past it. */
export const MAX_PAGE = 10_000;

function pageOf(query: URLSearchParams): Page {
  const n = query.get('n');
  const last = query.get('last');
  if (n !== null && !/^\d{1,9}$/.test(n)) {
    throw new RegistryError('WHARF_ERR_REQUEST_INVALID', 'n must be a non-negative integer', {
      detail: { n: n.slice(0, 20) },
    });
  }
  const size = n === null ? MAX_PAGE : Math.min(Number(n), MAX_PAGE);
  return last === null || last === '' ? { n: size } : { n: size, last };
}

/** RFC 8288 Link to the next page, in the form distribution and the spec show. */
function linkNext(ctx: V2Context, path: string, page: Page, listing: Listing): void {
  if (listing.next === undefined) return;
  const q = new URLSearchParams({ n: String(page.n), last: listing.next });
  ctx.reply.header('Link', `<${path}?${q.toString()}>; rel="next"`);
}

export async function listTags(ctx: V2Context): Promise<unknown> {
  const page = pageOf(ctx.query);
  const listing = await ctx.registry.listing.tags(ctx.match.name, page);
  linkNext(ctx, `/v2/${ctx.match.name}/tags/list`, page, listing);
  return ctx.reply.code(200).type('application/json').send({ name: ctx.match.name, tags: listing.items });
}

export async function catalog(ctx: V2Context): Promise<unknown> {
  const page = pageOf(ctx.query);
  const listing = await ctx.registry.listing.catalog(page, await ctx.guard.catalogFilter(ctx.principal));
  linkNext(ctx, '/v2/_catalog', page, listing);
  return ctx.reply.code(200).type('application/json').send({ repositories: listing.items });
}

export async function referrers(ctx: V2Context): Promise<unknown> {
  const artifactType = ctx.query.get('artifactType') ?? undefined;
  const index = await ctx.registry.manifests.referrers(
    ctx.match.name,
    parseDigest(ctx.match.ref),
    artifactType,
  );
  if (artifactType !== undefined) ctx.reply.header('OCI-Filters-Applied', 'artifactType');
  // Set as a header, not via type(): clients compare it exactly and a charset suffix would break that.
  return ctx.reply
    .code(200)
    .header('Content-Type', MediaType.OciIndex)
    .send(Buffer.from(JSON.stringify(index)));
}

export async function base(ctx: V2Context): Promise<unknown> {
  return ctx.reply.code(200).type('application/json').send('{}');
}
