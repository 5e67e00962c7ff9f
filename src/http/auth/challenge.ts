import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../../oci/errors.js';

export interface ChallengeParams {
  realm: string;
  service: string;
  /** e.g. `repository:team/app:pull,push`. */
  scope?: string;
  /** RFC 6750 error: a refused token, or one that lacks the scope. */
  error?: 'invalid_token' | 'insufficient_scope';
}

/** The token endpoint's URL: the configured external URL, else what this request was addressed to. */
export function tokenRealm(req: FastifyRequest, externalUrl: string | undefined): string {
  const base = externalUrl ? externalUrl.replace(/\/+$/, '') : `${req.protocol}://${req.host}`;
  return `${base}/token`;
}

const quote = (v: string): string => `"${v.replace(/["\\]/g, '\\$&')}"`;

export function bearerChallenge(p: ChallengeParams): string {
  const params: [string, string | undefined][] = [
    ['realm', p.realm],
    ['service', p.service],
    ['scope', p.scope],
    ['error', p.error],
  ];
  const parts = params.flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${quote(v)}`]));
  return `Bearer ${parts.join(',')}`;
}

/** 401 UNAUTHORIZED with the challenge that sends the client to the token endpoint. */
export function unauthorized(message: string, challenge: ChallengeParams): RegistryError {
  return new RegistryError('UNAUTHORIZED', message, {
    headers: { 'WWW-Authenticate': bearerChallenge(challenge) },
  });
}
