import type { Readable } from 'node:stream';
import { type Credentials, isRegistryClientError, RegistryClient } from '../../client/index.js';
import type { Digest } from '../../oci/digest.js';
import { type ErrorCode, RegistryError } from '../../oci/errors.js';
import { DOCKER_HUB_ORIGIN } from './settings.js';

/** Where a proxy cache project's pulls go, credentials opened. */
export interface ProxyTarget {
  /** Origin, as settings.ts normalised it. */
  upstream: string;
  repositoryPrefix: string | null;
  credentials?: Credentials;
}

/** What the proxy asks of an upstream registry (RegistryClient is one). Every call may take a signal. */
export interface UpstreamRegistry {
  headManifest(
    repo: string,
    ref: string,
    signal?: AbortSignal,
  ): Promise<{ digest: Digest | undefined } | undefined>;
  /** Throws when the bytes do not match the digest asked for (or announced). */
  getManifest(
    repo: string,
    ref: string,
    signal?: AbortSignal,
  ): Promise<{ digest: Digest; mediaType: string; bytes: Buffer }>;
  statBlob(repo: string, digest: Digest, signal?: AbortSignal): Promise<number | undefined>;
  /** The body unverified (the proxy's store verifies it). */
  getBlob(
    repo: string,
    digest: Digest,
    opts: { signal?: AbortSignal; verify?: boolean },
  ): Promise<{ stream: Readable; size: number | undefined }>;
}

export function connectUpstream(target: ProxyTarget): UpstreamRegistry {
  const url = new URL(target.upstream);
  return new RegistryClient({
    registry: url.host,
    plainHttp: url.protocol === 'http:',
    credentials: target.credentials,
    userAgent: 'wharf-proxy/0.1',
  });
}

/**
 * The upstream repository a proxied one mirrors: the path under the project, behind the prefix;
 * Docker Hub's official images live under `library/` (`proxy/nginx` is `library/nginx` there).
 * Undefined for the project's own name (a repository without a path under it).
 */
export function upstreamRepository(repo: string, project: string, target: ProxyTarget): string | undefined {
  if (!repo.startsWith(`${project}/`)) return undefined;
  const rest = repo.slice(project.length + 1);
  const path = target.repositoryPrefix ? `${target.repositoryPrefix}/${rest}` : rest;
  return target.upstream === DOCKER_HUB_ORIGIN && !path.includes('/') ? `library/${path}` : path;
}

/** How an upstream request failed: it said the thing is unknown, it throttled us, or it is not usable. */
export type UpstreamFailure =
  | { kind: 'unknown'; code: string | undefined; reason: string }
  | { kind: 'throttled'; reason: string }
  | { kind: 'unavailable'; reason: string };

export function classifyFailure(err: unknown): UpstreamFailure {
  if (isRegistryClientError(err)) {
    if (err.status === 404) return { kind: 'unknown', code: err.code, reason: err.message };
    if (err.status === 429) return { kind: 'throttled', reason: err.message };
    return { kind: 'unavailable', reason: err.message };
  }
  const name = (err as { name?: unknown } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return { kind: 'unavailable', reason: 'no answer in time' };
  return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
}

/**
 * The error a client gets when the upstream failed and nothing is cached: 404 when the upstream
 * says the thing is unknown, 429 when it throttles, else 503 naming the upstream and its failure.
 */
export function failureError(
  f: UpstreamFailure,
  what: { upstream: string; unknown: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN'; detail: Record<string, unknown> },
): RegistryError {
  const host = new URL(what.upstream).host;
  const detail = { ...what.detail, upstream: host, reason: f.reason.slice(0, 300) };
  if (f.kind === 'unknown') {
    const code: ErrorCode = f.code === 'NAME_UNKNOWN' ? 'NAME_UNKNOWN' : what.unknown;
    return new RegistryError(code, `not found upstream at ${host}`, { detail });
  }
  if (f.kind === 'throttled')
    return new RegistryError('TOOMANYREQUESTS', `upstream ${host} is rate limiting and nothing is cached`, {
      detail,
    });
  return new RegistryError('WHARF_ERR_UNAVAILABLE', `upstream ${host} is unavailable and nothing is cached`, {
    detail,
  });
}
