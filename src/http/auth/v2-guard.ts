import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../../oci/errors.js';
import type { Principal, RepoAction } from '../../services/access/principal.js';
import { InvalidTokenError, type Scope, type TokenService } from '../../services/tokens/index.js';
import type { V2Decision, V2Guard } from '../distribution/guard.js';
import type { RouteMatch } from '../distribution/routes.js';
import { type AccessDecisions, catalogFilter, repoActionsOn } from './access.js';
import { type ChallengeParams, tokenRealm, unauthorized } from './challenge.js';
import { readCredentials } from './credentials.js';
import { type LoginFailure, reportLoginFailure } from './login-failure.js';
import { requirementOf } from './requirement.js';

export interface V2GuardOptions {
  access: AccessDecisions;
  tokens: TokenService;
  /** The token service name: the challenge's `service` and the audience tokens must carry. */
  service: string;
  /** Public base URL (`https://registry.example.com`); empty: derived from each request. */
  externalUrl?: string;
  /** Told about every refused Basic login on /v2 (audit, events). */
  onLoginFailure?: (failure: LoginFailure) => unknown;
}

/** What authentication learnt about the request; kept beside the principal it returned. */
interface RequestAuth {
  realm: string;
  /** The verified token's grants; absent when the request carried no token. */
  token?: Scope[];
}

/**
 * Docker token auth on /v2. A request is anonymous, Basic (checked by the access service) or Bearer
 * (a verified token, trusted only for its `access` claim). Refusals follow what clients expect:
 * 401 with a challenge while logging in could help, 404 NAME_UNKNOWN for what the principal may
 * not see, 403 DENIED for what it sees but may not do.
 */
export function createV2Guard(opts: V2GuardOptions): V2Guard {
  const auths = new WeakMap<Principal, RequestAuth>();
  const base = { service: opts.service };

  const challenge = (
    auth: RequestAuth | undefined,
    extra: Partial<ChallengeParams> = {},
  ): ChallengeParams => ({
    realm: auth?.realm ?? `${(opts.externalUrl ?? '').replace(/\/+$/, '')}/token`,
    ...base,
    ...extra,
  });

  const fromToken = async (token: string, realm: string): Promise<Principal> => {
    const refused = (why: string) => unauthorized(why, challenge({ realm }, { error: 'invalid_token' }));
    let verified: Awaited<ReturnType<TokenService['verify']>>;
    try {
      verified = await opts.tokens.verify(token, opts.service);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw refused(err.message);
      throw err;
    }
    let principal: Principal | undefined = { kind: 'anonymous' };
    if (verified.subject !== '') {
      principal = await opts.access.principal(verified.subject);
      if (!principal) throw refused('the token names an account that no longer exists');
    }
    const fresh = { ...principal };
    auths.set(fresh, { realm, token: verified.access });
    return fresh;
  };

  const fromBasic = async (req: FastifyRequest, username: string, password: string, realm: string) => {
    const principal = await opts.access.authenticate(username, password);
    if (!principal) {
      await reportLoginFailure(opts.onLoginFailure, {
        username,
        clientIp: req.ip,
        reason: 'invalid credentials',
      });
      throw unauthorized('invalid username or password', challenge({ realm }));
    }
    const fresh = { ...principal };
    auths.set(fresh, { realm });
    return fresh;
  };

  const authenticate = async (req: FastifyRequest): Promise<Principal> => {
    const realm = tokenRealm(req, opts.externalUrl);
    const creds = readCredentials(req.headers.authorization);
    switch (creds.scheme) {
      case 'bearer':
        return fromToken(creds.token, realm);
      case 'basic':
        return fromBasic(req, creds.username, creds.password, realm);
      case 'invalid':
        throw unauthorized('unsupported Authorization header', challenge({ realm }));
      case 'none': {
        const anonymous: Principal = { kind: 'anonymous' };
        auths.set(anonymous, { realm });
        return anonymous;
      }
    }
  };

  /** What the principal may do on a repository: its token's grant, else the access service's answer. */
  const allowedOn = async (principal: Principal, repository: string): Promise<readonly string[]> => {
    const token = auths.get(principal)?.token;
    if (!token) return repoActionsOn(opts.access, principal, repository);
    return token.filter((s) => s.type === 'repository' && s.name === repository).flatMap((s) => s.actions);
  };

  const refusal = async (
    principal: Principal,
    repository: string,
    needed: RepoAction[],
    allowed: readonly string[],
  ): Promise<RegistryError> => {
    const auth = auths.get(principal);
    const actions = needed.includes('push') ? ['pull', ...needed] : needed;
    const scope = `repository:${repository}:${actions.join(',')}`;
    const error = auth?.token ? ('insufficient_scope' as const) : undefined;
    const again = challenge(auth, error ? { scope, error } : { scope });
    if (principal.kind === 'anonymous') return unauthorized('authentication required', again);
    // A token is trusted only for what it grants; the account's real rights decide how to refuse.
    const real = auth?.token ? await repoActionsOn(opts.access, principal, repository) : allowed;
    if (needed.every((a) => real.includes(a))) return unauthorized('the token does not grant this', again);
    if (real.length === 0)
      return new RegistryError('NAME_UNKNOWN', undefined, { detail: { name: repository } });
    return new RegistryError('DENIED', `${needed.join(',')} on ${repository} is not allowed`);
  };

  const authorize = async (
    principal: Principal,
    match: RouteMatch,
    method: string,
    query: URLSearchParams,
  ): Promise<V2Decision> => {
    const need = requirementOf(match, method, query);
    if (need.kind === 'catalog') return {};
    if (need.kind === 'authenticated') {
      const auth = auths.get(principal);
      if (principal.kind === 'anonymous' && !auth?.token)
        throw unauthorized('authentication required', challenge(auth));
      return {};
    }
    const allowed = await allowedOn(principal, match.name);
    if (!need.actions.every((a) => allowed.includes(a)))
      throw await refusal(principal, match.name, need.actions, allowed);
    if (need.mountFrom === undefined) return {};
    return { mountAllowed: (await allowedOn(principal, need.mountFrom)).includes('pull') };
  };

  return { authenticate, authorize, catalogFilter: (principal) => catalogFilter(opts.access, principal) };
}
