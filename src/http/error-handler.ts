import type { FastifyError, FastifyInstance } from 'fastify';
import { errorBody, isRegistryError, RegistryError } from '../oci/errors.js';

const CLIENT_GONE = new Set(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'EPIPE']);

/** Maps anything a handler throws to the spec's error body; only the unexpected is a 500 (and logged). */
export function toRegistryError(err: unknown): { error: RegistryError; unexpected: boolean } {
  if (isRegistryError(err)) return { error: err, unexpected: false };
  const e = err as Partial<FastifyError> & { code?: string };
  if (e.code && CLIENT_GONE.has(e.code)) {
    return {
      error: new RegistryError('WHARF_ERR_REQUEST_INVALID', 'request aborted', { cause: err }),
      unexpected: false,
    };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      error: new RegistryError('WHARF_ERR_REQUEST_INVALID', e.message ?? 'bad request', {
        status: e.statusCode,
        cause: err,
      }),
      unexpected: false,
    };
  }
  return { error: new RegistryError('WHARF_ERR_INTERNAL', undefined, { cause: err }), unexpected: true };
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(async (err, req, reply) => {
    const { error, unexpected } = toRegistryError(err);
    if (unexpected) req.log.error({ err }, 'unexpected error');
    else req.log.debug({ code: error.code, message: error.message }, 'request refused');
    if (reply.sent || reply.raw.headersSent) return;
    return reply.code(error.status).headers(error.headers).type('application/json').send(errorBody(error));
  });
  app.setNotFoundHandler(async (_req, reply) => {
    const error = new RegistryError('WHARF_ERR_NOT_FOUND', 'no such endpoint');
    return reply.code(404).type('application/json').send(errorBody(error));
  });
}
