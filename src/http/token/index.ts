import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../../oci/errors.js';
import type { Principal } from '../../services/access/principal.js';
import { parseScopes, type TokenService } from '../../services/tokens/index.js';
import { type AccessDecisions, repoActionsOn } from '../auth/access.js';
import { readCredentials } from '../auth/credentials.js';
import { type LoginFailure, reportLoginFailure } from '../auth/login-failure.js';
import { splitUrl } from '../distribution/routes.js';

export interface TokenRoutesOptions {
  tokens: TokenService;
  access: AccessDecisions;
  /** The one service name tokens are issued for (their `aud`). */
  service: string;
  /** Told about every refused login (audit, events); never given the password. */
  onLoginFailure?: (failure: LoginFailure) => unknown;
}

const FORM = 'application/x-www-form-urlencoded';

function badRequest(message: string): RegistryError {
  return new RegistryError('WHARF_ERR_REQUEST_INVALID', message);
}

/**
 * The docker token endpoint: `GET /token` (Basic credentials, or none for an anonymous token) and
 * the OAuth2 `POST /token` form with `grant_type=password` that containerd and docker send.
 * Unknown or invisible repositories are granted nothing rather than refused.
 */
export async function tokenRoutes(app: FastifyInstance, opts: TokenRoutesOptions): Promise<void> {
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });

  const login = async (req: FastifyRequest, username: string, password: string): Promise<Principal> => {
    const principal = await opts.access.authenticate(username, password);
    if (principal) return principal;
    await reportLoginFailure(opts.onLoginFailure, {
      username,
      clientIp: req.ip,
      reason: 'invalid credentials',
    });
    throw new RegistryError('UNAUTHORIZED', 'invalid username or password', {
      headers: { 'WWW-Authenticate': `Basic realm="${opts.service}"` },
    });
  };

  const issue = async (principal: Principal, service: string | null, scopes: string[]) => {
    if (service !== null && service !== '' && service !== opts.service) {
      throw badRequest(`unknown service '${service.slice(0, 100)}'`);
    }
    return opts.tokens.issue({
      principal,
      service: opts.service,
      scopes: parseScopes(scopes),
      grant: (repository) => repoActionsOn(opts.access, principal, repository),
    });
  };

  app.get('/token', async (req: FastifyRequest, reply: FastifyReply) => {
    const { query } = splitUrl(req.url);
    const creds = readCredentials(req.headers.authorization);
    let principal: Principal = { kind: 'anonymous' };
    if (creds.scheme === 'basic') principal = await login(req, creds.username, creds.password);
    else if (creds.scheme !== 'none') {
      await reportLoginFailure(opts.onLoginFailure, {
        username: '',
        clientIp: req.ip,
        reason: 'malformed credentials',
      });
      throw new RegistryError('UNAUTHORIZED', 'token requests take Basic credentials or none');
    }
    const t = await issue(principal, query.get('service'), query.getAll('scope'));
    return reply.code(200).header('Cache-Control', 'no-store').send({
      token: t.token,
      access_token: t.token,
      expires_in: t.expiresIn,
      issued_at: t.issuedAt.toISOString(),
    });
  });

  app.post('/token', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!(req.body instanceof URLSearchParams)) throw badRequest(`the token request must be ${FORM}`);
    const form = req.body;
    const grant = form.get('grant_type');
    if (grant !== 'password') throw badRequest(`unsupported grant_type '${(grant ?? '').slice(0, 50)}'`);
    const username = form.get('username') ?? '';
    const principal = await login(req, username, form.get('password') ?? '');
    const scopes = form.getAll('scope');
    const t = await issue(principal, form.get('service'), scopes);
    return reply
      .code(200)
      .header('Cache-Control', 'no-store')
      .send({
        access_token: t.token,
        token: t.token,
        expires_in: t.expiresIn,
        issued_at: t.issuedAt.toISOString(),
        scope: scopes.join(' '),
      });
  });
}
