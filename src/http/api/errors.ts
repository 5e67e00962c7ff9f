import type { FastifyError, FastifyInstance } from 'fastify';
import { type ErrorCode, isRegistryError, RegistryError } from '../../oci/errors.js';
import { toRegistryError } from '../error-handler.js';

export const notFound = (what: string, detail: unknown = null) =>
  new RegistryError('WHARF_ERR_NOT_FOUND', `${what} not found`, { detail });
export const denied = (message: string) => new RegistryError('DENIED', message);
export const invalid = (message: string, detail: unknown = null) =>
  new RegistryError('WHARF_ERR_REQUEST_INVALID', message, { detail });
export const conflict = (message: string, detail: unknown = null) =>
  new RegistryError('WHARF_ERR_CONFLICT', message, { detail });

/** The access service's error codes and what they become on the wire. */
const ACCESS_CODES: Record<string, ErrorCode> = {
  NOT_FOUND: 'WHARF_ERR_NOT_FOUND',
  CONFLICT: 'WHARF_ERR_CONFLICT',
  INVALID: 'WHARF_ERR_REQUEST_INVALID',
  FORBIDDEN: 'DENIED',
};

interface WireError {
  status: number;
  code: string;
  message: string;
  detail: unknown;
  headers: Record<string, string>;
}

function fromValidation(err: FastifyError): WireError {
  const first = err.validation?.[0];
  const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
  const path = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const field = [path, params.missingProperty ?? params.additionalProperty].filter(Boolean).join('.');
  return {
    status: 400,
    code: 'WHARF_ERR_REQUEST_INVALID',
    message: err.message,
    detail: { in: err.validationContext ?? 'body', field: field || null },
    headers: {},
  };
}

/** Any error thrown in the API scope, as the status, code and detail the client sees. */
export function toWireError(err: unknown): WireError & { unexpected: boolean } {
  const e = err as Partial<FastifyError> & { code?: unknown; name?: unknown };
  if (e.validation) return { ...fromValidation(err as FastifyError), unexpected: false };
  const mapped = typeof e.code === 'string' && e.name !== 'RegistryError' ? ACCESS_CODES[e.code] : undefined;
  if ((mapped || e.name === 'ConflictError') && !isRegistryError(err)) {
    const re = new RegistryError(mapped ?? 'WHARF_ERR_CONFLICT', e.message);
    return {
      status: re.status,
      code: re.code,
      message: re.message,
      detail: null,
      headers: {},
      unexpected: false,
    };
  }
  const { error, unexpected } = toRegistryError(err);
  return {
    status: error.status,
    code: error.code,
    message: error.message,
    detail: error.detail ?? null,
    headers: error.headers,
    unexpected,
  };
}

/** One error handler for the API scope: `{ errors: [{ code, message, detail }] }`, like /v2. */
export function installApiErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(async (err, req, reply) => {
    const w = toWireError(err);
    if (w.unexpected) req.log.error({ err }, 'unexpected error');
    if (reply.sent || reply.raw.headersSent) return;
    return reply
      .code(w.status)
      .headers(w.headers)
      .type('application/json')
      .send({ errors: [{ code: w.code, message: w.message, detail: w.detail }] });
  });
}
