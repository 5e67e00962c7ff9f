import { RegistryError } from '../../oci/errors.js';
import type { ManifestRecord } from '../../ports/meta-store.js';
import type { Principal } from '../../services/access/principal.js';
import type { V2Context } from './context.js';
import { readLimited } from './read-body.js';

/**
 * Content negotiation: a client that lists manifest types but none that matches gets 404, as
 * distribution answers; no Accept, or a wildcard, takes whatever is stored.
 */
function assertAcceptable(accept: string | undefined, m: ManifestRecord): void {
  if (!accept) return;
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim().toLowerCase() ?? '');
  if (types.some((t) => t === m.mediaType || t === '*/*' || t === 'application/*' || t === '')) return;
  if (!types.some((t) => t.includes('manifest') || t.includes('index'))) return;
  throw new RegistryError('MANIFEST_UNKNOWN', 'manifest not available in an accepted media type', {
    detail: { mediaType: m.mediaType },
  });
}

function manifestHeaders(m: ManifestRecord): Record<string, string | number> {
  return {
    'Content-Type': m.mediaType,
    'Docker-Content-Digest': m.digest,
    'Content-Length': m.size,
    ETag: `"${m.digest}"`,
  };
}

/**
 * Asked before a found manifest is served (GET or HEAD), inside the request context; throws a
 * RegistryError to refuse (signed-only pulls answer 412).
 */
export type ManifestGate = (
  repo: string,
  reference: string,
  manifest: ManifestRecord,
  principal: Principal,
) => Promise<void>;

export async function headManifest(
  { match, req, reply, registry, principal }: V2Context,
  gate?: ManifestGate,
): Promise<unknown> {
  const m = await registry.manifests.get(match.name, match.ref);
  assertAcceptable(req.headers.accept, m);
  await gate?.(match.name, match.ref, m, principal);
  return reply.code(200).headers(manifestHeaders(m)).send();
}

/** A manifest was served by GET: what the pull events and pull-time records hang on. Never awaited. */
export type ManifestPulled = (repo: string, reference: string, manifest: ManifestRecord) => unknown;

export async function getManifest(
  { match, req, reply, registry, principal }: V2Context,
  pulled?: ManifestPulled,
  gate?: ManifestGate,
): Promise<unknown> {
  const m = await registry.manifests.get(match.name, match.ref);
  assertAcceptable(req.headers.accept, m);
  await gate?.(match.name, match.ref, m, principal);
  pulled?.(match.name, match.ref, m);
  return reply.code(200).headers(manifestHeaders(m)).send(m.body);
}

export async function putManifest(ctx: V2Context & { maxManifestBytes: number }): Promise<unknown> {
  const { match, req, reply, registry } = ctx;
  const body = await readLimited(req.raw, ctx.maxManifestBytes);
  const result = await registry.manifests.put(match.name, match.ref, req.headers['content-type'], body);
  reply.code(201).headers({
    Location: `/v2/${match.name}/manifests/${result.digest}`,
    'Docker-Content-Digest': result.digest,
    'Content-Length': 0,
  });
  if (result.subject) reply.header('OCI-Subject', result.subject);
  return reply.send();
}

export async function deleteManifest({ match, reply, registry }: V2Context): Promise<unknown> {
  await registry.manifests.delete(match.name, match.ref);
  return reply.code(202).header('Content-Length', 0).send();
}
