import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import { Authenticator, type Credentials } from './auth.js';
import { httpError, networkError, RegistryClientError } from './errors.js';
import { isInternalHost, redirectAllowed } from './ssrf.js';

export interface SendOptions {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path under the registry origin (`/v2/…`), or an absolute URL (a `Location` header). */
  url: string | URL;
  headers?: Record<string, string>;
  /** A buffer, or a factory so the body can be sent again after an auth challenge. */
  body?: Uint8Array | (() => Readable);
  /** Token scopes the request needs (`repository:foo:pull`). */
  scopes: readonly string[];
  /** Statuses that count as success; any other throws a RegistryClientError. */
  ok: readonly number[];
  /** What the request is for, named in error messages. */
  what: string;
  /** Follow 3xx redirects (blob GETs may go to object storage). */
  followRedirects?: boolean;
  signal?: AbortSignal | undefined;
}

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  url: URL;
}

export interface TransportOptions {
  /** Host (and port) the registry API answers on. */
  host: string;
  plainHttp: boolean;
  credentials?: Credentials | undefined;
  dispatcher?: Dispatcher | undefined;
  userAgent?: string | undefined;
  /** A static Bearer token sent on every request instead of credentials (a registry access token). */
  bearerToken?: string | undefined;
  /**
   * Whether the registry is on an internal network (loopback, link-local, private): only then may it
   * send the client to internal addresses. Default: whether `host` is such an address literally.
   */
  internalEndpoint?: boolean | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** Sends requests to one registry, answering auth challenges once per request. */
export class Transport {
  readonly origin: string;
  readonly host: string;
  private readonly auth: Authenticator;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly userAgent: string;
  private readonly internalEndpoint: boolean;
  private probing: Promise<void> | undefined;

  constructor(opts: TransportOptions) {
    this.host = opts.host;
    this.origin = `${opts.plainHttp ? 'http' : 'https'}://${opts.host}`;
    this.dispatcher = opts.dispatcher;
    this.internalEndpoint = opts.internalEndpoint ?? isInternalHost(opts.host);
    this.auth = new Authenticator(opts.credentials, opts.dispatcher, {
      bearerToken: opts.bearerToken,
      checkRealm: (url) => this.checkTarget(url, 'token realm'),
    });
    this.userAgent = opts.userAgent ?? 'wharf-client/0.1';
  }

  resolve(url: string | URL): URL {
    return new URL(url, this.origin);
  }

  /**
   * Refuses a URL the registry named (redirect, upload location, token realm) that points into an
   * internal network while the registry itself is not in one (the SSRF guard, see ssrf.ts).
   */
  checkTarget(url: URL, what: string): URL {
    if (!redirectAllowed(this.host, url, this.internalEndpoint)) {
      throw new RegistryClientError(
        `${what}: refusing to follow ${this.host} to ${url.protocol}//${url.host} (an internal address)`,
        { status: 0, code: 'REDIRECT_REFUSED' },
      );
    }
    return url;
  }

  async send(o: SendOptions): Promise<RegistryResponse> {
    const url = this.resolve(o.url);
    if (this.auth.wantsProbe) await this.probe(o.signal);
    let authorization = await this.auth.authorizationFor(o.scopes);
    let res = await this.once(o, url, authorization);
    if (res.status === 401) {
      const text = await res.body.text().catch(() => '');
      if (!(await this.auth.onChallenge(res.headers['www-authenticate'], o.scopes, authorization))) {
        throw httpError(o.what, 401, text);
      }
      authorization = this.auth.headerFor(o.scopes);
      res = await this.once(o, url, authorization);
    }
    if (o.followRedirects) res = await this.follow(o, res);
    if (!o.ok.includes(res.status)) {
      const text = o.method === 'HEAD' ? '' : await res.body.text().catch(() => '');
      if (o.method === 'HEAD') await res.body.dump();
      throw httpError(o.what, res.status, text);
    }
    return res;
  }

  /** `GET /v2/` once, as docker does before its first request, to learn how this registry authenticates. */
  private probe(signal: AbortSignal | undefined): Promise<void> {
    this.probing ??= (async () => {
      const o: SendOptions = { method: 'GET', url: '/v2/', scopes: [], ok: [200], what: 'ping', signal };
      const res = await this.once(o, this.resolve('/v2/'), undefined);
      await res.body.dump();
      if (res.status === 401) this.auth.learn(res.headers['www-authenticate']);
    })().catch(() => {
      // An unreachable registry is reported by the request itself.
    });
    return this.probing;
  }

  private async follow(o: SendOptions, first: RegistryResponse): Promise<RegistryResponse> {
    let res = first;
    for (let i = 0; REDIRECTS.has(res.status); i++) {
      const location = header(res.headers, 'location');
      if (!location) break;
      if (i >= MAX_REDIRECTS)
        throw new RegistryClientError(`${o.what}: too many redirects`, { status: res.status });
      await res.body.dump();
      const next = this.checkTarget(new URL(location, res.url), o.what);
      res = await this.once(o, next, undefined, false);
    }
    return res;
  }

  private async once(o: SendOptions, url: URL, authorization: string | undefined, withBody = true) {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...o.headers };
    if (authorization && url.origin === this.origin) headers.authorization = authorization;
    const body = !withBody ? undefined : typeof o.body === 'function' ? o.body() : o.body;
    try {
      const res = await request(url, {
        method: o.method,
        headers,
        body: body ?? null,
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const out: RegistryResponse = { status: res.statusCode, headers: res.headers, body: res.body, url };
      return out;
    } catch (err) {
      if (o.signal?.aborted) throw err;
      throw networkError(o.what, url.host, err);
    }
  }
}

/** A header's first value, or undefined. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
