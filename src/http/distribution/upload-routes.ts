import { parseDigest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import { type ChunkOptions, rangeHeaders } from '../../services/registry/index.js';
import { hasBody, type V2Context } from './context.js';
import { contentLength, parseContentRange } from './ranges.js';

function uploadLocation(name: string, id: string): string {
  return `/v2/${name}/blobs/uploads/${id}`;
}

function blobCreated(ctx: V2Context, blob: { digest: string }): unknown {
  return ctx.reply
    .code(201)
    .headers({
      Location: `/v2/${ctx.match.name}/blobs/${blob.digest}`,
      'Docker-Content-Digest': blob.digest,
      'Content-Length': 0,
    })
    .send();
}

function uploadAccepted(ctx: V2Context, id: string, offset: number, status: number): unknown {
  return ctx.reply
    .code(status)
    .headers({
      Location: uploadLocation(ctx.match.name, id),
      ...rangeHeaders(id, offset),
      'Content-Length': 0,
    })
    .send();
}

/** Chunk framing from Content-Range and Content-Length; the two must agree when both are given. */
function chunkOptions(ctx: V2Context): ChunkOptions {
  const range = parseContentRange(ctx.req.headers['content-range']);
  const length = contentLength(ctx.req.headers['content-length']);
  if (range && length !== undefined && range.length !== length) {
    throw new RegistryError('SIZE_INVALID', 'Content-Range and Content-Length disagree');
  }
  const len = range?.length ?? length;
  return { ...(range ? { start: range.start } : {}), ...(len !== undefined ? { length: len } : {}) };
}

/** POST: cross-repository mount, single-request (monolithic) upload, or a new upload session. */
export async function startUpload(ctx: V2Context): Promise<unknown> {
  const { match, query, registry, req } = ctx;
  const mount = query.get('mount');
  const from = query.get('from');
  // A source the principal may not read is treated as absent: the mount quietly becomes an upload.
  if (mount !== null && from !== null && ctx.decision.mountAllowed !== false) {
    const mounted = await registry.uploads.mount(match.name, from, parseDigest(mount));
    if (mounted) return blobCreated(ctx, mounted);
  }
  const digest = query.get('digest');
  if (digest !== null && mount === null) {
    const blob = await registry.uploads.putMonolithic(
      match.name,
      parseDigest(digest),
      req.raw,
      chunkOptions(ctx),
    );
    return blobCreated(ctx, blob);
  }
  const { id } = await registry.uploads.start(match.name);
  return uploadAccepted(ctx, id, 0, 202);
}

export async function uploadStatus(ctx: V2Context): Promise<unknown> {
  const { id, offset } = await ctx.registry.uploads.status(ctx.match.name, ctx.match.ref);
  return uploadAccepted(ctx, id, offset, 204);
}

export async function patchUpload(ctx: V2Context): Promise<unknown> {
  // Set before the work so a 416 for an out-of-order chunk still tells the client where to go.
  ctx.reply.header('Location', uploadLocation(ctx.match.name, ctx.match.ref));
  const { id, offset } = await ctx.registry.uploads.append(
    ctx.match.name,
    ctx.match.ref,
    ctx.req.raw,
    chunkOptions(ctx),
  );
  return uploadAccepted(ctx, id, offset, 202);
}

export async function finishUpload(ctx: V2Context): Promise<unknown> {
  const digest = ctx.query.get('digest');
  if (digest === null) throw new RegistryError('DIGEST_INVALID', 'the digest query parameter is required');
  const d = parseDigest(digest);
  const body = hasBody(ctx.req) ? ctx.req.raw : undefined;
  const blob = await ctx.registry.uploads.finish(
    ctx.match.name,
    ctx.match.ref,
    d,
    body,
    body ? chunkOptions(ctx) : {},
  );
  return blobCreated(ctx, blob);
}

export async function cancelUpload(ctx: V2Context): Promise<unknown> {
  await ctx.registry.uploads.cancel(ctx.match.name, ctx.match.ref);
  return ctx.reply.code(204).send();
}
