import { type Dispatcher, request } from 'undici';
import { basicHeader, type Credentials } from './auth.js';
import { networkError, oneLine, parseErrorBody, RegistryClientError } from './errors.js';
import { isLocalRegistry } from './registry-client.js';
import { header } from './transport.js';

/** Where the management API lives on a Wharf server. */
export const API_PREFIX = '/api/v1';

const NEXT_RE = /<([^>]+)>\s*;\s*rel="?next"?/;
const PAGE_SIZE = 100;
const MAX_PAGES = 10_000;

/**
 * A refused or failed management API request. The message is one line naming what was asked, the
 * server's reason and the status: `delete project team-x: project not found (HTTP 404)`.
 */
export class ApiClientError extends RegistryClientError {
  /** The `detail` of the server's error body (the failing field on 400), or undefined. */
  readonly detail: unknown;

  constructor(message: string, opts: { status: number; code?: string; reason?: string; detail?: unknown }) {
    super(message, { status: opts.status, code: opts.code, registryMessage: opts.reason });
    this.name = 'ApiClientError';
    this.detail = opts.detail;
  }
}

/** The `detail` of the first entry of `{errors:[{code,message,detail}]}` (parseErrorBody has the rest). */
function errorDetail(text: string): unknown {
  try {
    const first = ((JSON.parse(text) as { errors?: unknown[] }).errors ?? [])[0] as { detail?: unknown };
    return first?.detail ?? undefined;
  } catch {
    return undefined;
  }
}

const STATUS_REASON: Record<number, string> = {
  400: 'invalid request',
  401: 'authentication required',
  403: 'denied',
  404: 'not found',
  409: 'conflict',
};

/** What a 400's detail adds to its message: the names refused (`unknown event types: FOO`). */
function detailText(detail: unknown): string {
  const unknown = (detail as { unknown?: unknown } | undefined)?.unknown;
  return Array.isArray(unknown) && unknown.length > 0 ? `: ${unknown.map(String).join(', ')}` : '';
}

/**
 * The error for a non-2xx answer. `anonymous`: the host asked of when no credentials were sent (a
 * 401 then says how to log in).
 */
export function apiError(what: string, status: number, bodyText: string, anonymous?: string): ApiClientError {
  const body = parseErrorBody(bodyText);
  const detail = errorDetail(bodyText);
  const message = body.message ?? STATUS_REASON[status] ?? 'unexpected response';
  const reason = oneLine(`${message}${detailText(detail)}`).slice(0, 300);
  const hint =
    status === 401 && anonymous ? `; log in with \`wharf login ${anonymous}\` or pass -u and -p` : '';
  return new ApiClientError(`${what}: ${reason} (HTTP ${status})${hint}`, {
    status,
    reason,
    ...(body.code ? { code: body.code } : {}),
    ...(detail !== undefined ? { detail } : {}),
  });
}

export interface ApiClientOptions {
  /** Server host with optional port: `127.0.0.1:5000`, `registry.example.com`. */
  registry: string;
  /** Speak http instead of https. Default: true for localhost, 127.0.0.1 and ::1 only. */
  plainHttp?: boolean | undefined;
  /** Sent as HTTP Basic on every request; none: anonymous. */
  credentials?: Credentials | undefined;
  dispatcher?: Dispatcher | undefined;
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** A path under /api/v1 (`/projects/team`); segments already encoded. */
  path: string;
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** What the request is for, named in error messages (`delete project team`). */
  what: string;
}

/** Encodes one path segment (`robot$team+ci` → `robot%24team%2Bci`). */
export const seg = (s: string | number): string => encodeURIComponent(String(s));

function withQuery(url: URL, query: Query = {}): URL {
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
    else url.searchParams.set(k, String(v));
  }
  return url;
}

/** A client for a Wharf server's management API: Basic auth, JSON in and out, typed errors. */
export class ApiClient {
  readonly registry: string;
  readonly origin: string;
  private readonly authorization: string | undefined;
  private readonly dispatcher: Dispatcher | undefined;

  constructor(opts: ApiClientOptions) {
    this.registry = opts.registry;
    const plain = opts.plainHttp ?? isLocalRegistry(opts.registry);
    this.origin = `${plain ? 'http' : 'https'}://${opts.registry}`;
    this.authorization = opts.credentials ? basicHeader(opts.credentials) : undefined;
    this.dispatcher = opts.dispatcher;
  }

  /** Sends one request; resolves to the parsed JSON body (undefined for 204). */
  async request<T>(r: ApiRequest): Promise<T> {
    const url = withQuery(new URL(`${API_PREFIX}${r.path}`, this.origin), r.query);
    return (await this.send(r, url)).body as T;
  }

  /**
   * GETs a listing and every `Link: <…>; rel="next"` page after it, up to `limit` items (all when
   * absent). Page size: the limit, at most 100.
   */
  async list<T>(r: Omit<ApiRequest, 'method' | 'body'>, limit?: number): Promise<T[]> {
    const n = Math.min(limit ?? PAGE_SIZE, PAGE_SIZE);
    const out: T[] = [];
    let url: URL | undefined = withQuery(new URL(`${API_PREFIX}${r.path}`, this.origin), { ...r.query, n });
    for (let page = 0; url && (limit === undefined || out.length < limit); page++) {
      if (page >= MAX_PAGES) throw new ApiClientError(`${r.what}: too many pages`, { status: 200 });
      const res: { body: unknown; next: string | undefined } = await this.send(r, url);
      if (!Array.isArray(res.body)) throw new ApiClientError(`${r.what}: not a list`, { status: 200 });
      out.push(...(res.body as T[]));
      url = res.next ? new URL(res.next, url) : undefined;
    }
    return limit === undefined ? out : out.slice(0, limit);
  }

  private async send(r: ApiRequest, url: URL): Promise<{ body: unknown; next: string | undefined }> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'wharf-cli/0.1' };
    if (this.authorization) headers.authorization = this.authorization;
    if (r.body !== undefined) headers['content-type'] = 'application/json';
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: r.method ?? 'GET',
        headers,
        body: r.body === undefined ? null : JSON.stringify(r.body),
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
    } catch (err) {
      throw networkError(r.what, url.host, err);
    }
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode > 299)
      throw apiError(r.what, res.statusCode, text, this.authorization ? undefined : this.registry);
    const next = NEXT_RE.exec(header(res.headers, 'link') ?? '')?.[1];
    return { body: parse(r.what, res.statusCode, text), next };
  }
}

function parse(what: string, status: number, text: string): unknown {
  if (status === 204 || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiClientError(`${what}: the server's answer is not JSON (HTTP ${status})`, { status });
  }
}
