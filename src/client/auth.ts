import { type Dispatcher, request } from 'undici';
import { httpError, networkError, RegistryClientError } from './errors.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const CHALLENGE_RE =
  /\s*,?\s*(?:([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))|([A-Za-z][\w-]*))/gy;

/** Parses `WWW-Authenticate` values (one or several headers, one or several challenges each). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const value of values) {
    let current: Challenge | undefined;
    for (const m of value.matchAll(CHALLENGE_RE)) {
      if (m[4]) {
        current = { scheme: m[4].toLowerCase(), params: {} };
        out.push(current);
      } else if (current && m[1]) {
        current.params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
      }
    }
  }
  return out;
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

export interface AuthenticatorOptions {
  /** Sent as `Bearer <token>` on every request; challenges are not answered. */
  bearerToken?: string | undefined;
  /** Throws for a token realm the client must not be sent to (the SSRF guard). */
  checkRealm?: ((url: URL) => void) | undefined;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

/**
 * Answers registry auth challenges: Basic (resend with credentials) or Docker token auth
 * (fetch a Bearer token from the realm for the scopes asked, cache it per scope set).
 */
export class Authenticator {
  private mode: 'none' | 'basic' | 'bearer' = 'none';
  private realm: { url: string; service: string | undefined } | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly credentials: Credentials | undefined;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly o: AuthenticatorOptions;

  constructor(
    credentials: Credentials | undefined,
    dispatcher: Dispatcher | undefined,
    options: AuthenticatorOptions = {},
  ) {
    this.credentials = credentials;
    this.dispatcher = dispatcher;
    this.o = options;
  }

  /** The Authorization header to send up front for these scopes, when the scheme is already known. */
  headerFor(scopes: readonly string[]): string | undefined {
    if (this.o.bearerToken !== undefined) return `Bearer ${this.o.bearerToken}`;
    if (this.mode === 'basic' && this.credentials) return basicHeader(this.credentials);
    if (this.mode !== 'bearer') return undefined;
    const cached = this.tokens.get(scopeKey(scopes));
    return cached && cached.expiresAt > Date.now() ? cached.header : undefined;
  }

  /** Whether requests should go out authenticated before any challenge: credentials, scheme unknown. */
  get wantsProbe(): boolean {
    return this.credentials !== undefined && this.mode === 'none' && this.o.bearerToken === undefined;
  }

  /**
   * The header to send up front, fetching a token for these scopes first when the registry takes
   * tokens and credentials are given: a logged-in client must not be served as anonymous just
   * because anonymous may read too (a public catalog hides private repositories).
   */
  async authorizationFor(scopes: readonly string[]): Promise<string | undefined> {
    const known = this.headerFor(scopes);
    if (known || this.mode !== 'bearer' || !this.credentials) return known;
    const token = await this.fetchToken(scopes);
    this.tokens.set(scopeKey(scopes), token);
    return token.header;
  }

  /** Learns the scheme (and token realm) from a `GET /v2/` challenge, without fetching a token. */
  learn(header: string | string[] | undefined): void {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer?.params.realm) {
      this.mode = 'bearer';
      this.realm = { url: bearer.params.realm, service: bearer.params.service };
    } else if (challenges.some((c) => c.scheme === 'basic')) this.mode = 'basic';
  }

  /**
   * Learns from a 401 response. Returns true when a retry has a new Authorization header to try
   * (which `headerFor(scopes)` then returns); false when nothing more can be done.
   */
  async onChallenge(
    header: string | string[] | undefined,
    scopes: readonly string[],
    sent: string | undefined,
  ) {
    if (this.o.bearerToken !== undefined) return false; // the token is all there is to send
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer?.params.realm) {
      this.mode = 'bearer';
      this.realm = { url: bearer.params.realm, service: bearer.params.service };
      const wanted = mergeScopes(scopes, bearer.params.scope?.split(' ') ?? []);
      const token = await this.fetchToken(wanted);
      this.tokens.set(scopeKey(scopes), token);
      return token.header !== sent;
    }
    if (challenges.some((c) => c.scheme === 'basic') && this.credentials) {
      this.mode = 'basic';
      return basicHeader(this.credentials) !== sent;
    }
    return false;
  }

  private async fetchToken(scopes: readonly string[]): Promise<CachedToken> {
    const realm = this.realm;
    if (!realm) throw new Error('no token realm');
    const url = new URL(realm.url);
    this.o.checkRealm?.(url);
    if (realm.service !== undefined) url.searchParams.set('service', realm.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credentials) headers.authorization = basicHeader(this.credentials);
    const what = `token request to ${url.host}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers,
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
    } catch (err) {
      throw networkError(what, url.host, err);
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) throw httpError(what, res.statusCode, text);
    return parseTokenResponse(what, text);
  }
}

function parseTokenResponse(what: string, text: string): CachedToken {
  let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw new RegistryClientError(`${what}: response is not JSON`, { status: 200 });
  }
  const token = typeof doc.token === 'string' ? doc.token : doc.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new RegistryClientError(`${what}: response has no token`, { status: 200 });
  }
  const ttl = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
  return { header: `Bearer ${token}`, expiresAt: Date.now() + Math.max(5, ttl - 10) * 1000 };
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}

function mergeScopes(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b].filter((s) => s !== ''))];
}

/** `repository:NAME:ACTIONS` scope strings, as the Docker token spec names them. */
export function repoScope(repository: string, actions: 'pull' | 'pull,push' | 'delete' | '*'): string {
  return `repository:${repository}:${actions}`;
}
