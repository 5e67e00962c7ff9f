import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, RegistryError } from '../../oci/errors.js';
import {
  type AdmissionDecision,
  type AdmissionEngine,
  type Phase,
  ReviewError,
} from '../../services/admission/index.js';
import { toRegistryError } from '../error-handler.js';

export const ADMISSION_PREFIX = '/admission/v1';

export interface AdmissionRoutesOptions {
  engine: Pick<AdmissionEngine, 'review'>;
  /**
   * Told about every decision in which some rule applied (`decision.matched > 0`): bind it to the
   * audit log (POLICY_DECISION). Called before the answer is sent, not awaited; a rejection is logged.
   */
  onDecision?: (decision: AdmissionDecision) => unknown;
  /** Largest AdmissionReview accepted (default 3 MiB; the API server's objects stay under that). */
  bodyLimit?: number;
  /** Verification is abandoned (and fails closed) after this long (default 8 s; webhooks time out at 10 s). */
  timeoutMs?: number;
}

const JSON_TYPES = ['application/json'];

function notJson(err: unknown): RegistryError {
  return new RegistryError('WHARF_ERR_REQUEST_INVALID', `body is not JSON: ${(err as Error).message}`);
}

/**
 * The Kubernetes admission webhooks: `POST /admission/v1/mutate` (verify, pin tags to digests) and
 * `POST /admission/v1/validate` (verify, require digests). Bodies are AdmissionReview v1 JSON; a
 * malformed one is a 400 naming the fault, never a 500. Registered in a scope of its own, with its
 * own JSON parser, body limit and error handler.
 */
export function admissionRoutes(opts: AdmissionRoutesOptions): FastifyPluginAsync {
  const bodyLimit = opts.bodyLimit ?? 3 * 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? 8000;
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(JSON_TYPES, { parseAs: 'string', bodyLimit }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (err) {
        done(notJson(err), undefined);
      }
    });
    app.setErrorHandler(async (err, req, reply) => {
      const { error, unexpected } = toRegistryError(err);
      if (unexpected) req.log.error({ err }, 'admission review failed');
      return reply.code(error.status).type('application/json').send(errorBody(error));
    });
    const answer = (phase: Phase) => async (req: FastifyRequest, reply: FastifyReply) => {
      let result: Awaited<ReturnType<AdmissionRoutesOptions['engine']['review']>>;
      try {
        result = await opts.engine.review(req.body, phase, AbortSignal.timeout(timeoutMs));
      } catch (err) {
        if (err instanceof ReviewError) {
          throw new RegistryError('WHARF_ERR_REQUEST_INVALID', `malformed AdmissionReview: ${err.message}`);
        }
        throw err;
      }
      if (opts.onDecision && result.decision.matched > 0) report(req, opts.onDecision, result.decision);
      return reply.type('application/json').send(result.review);
    };
    app.post(`${ADMISSION_PREFIX}/mutate`, answer('mutate'));
    app.post(`${ADMISSION_PREFIX}/validate`, answer('validate'));
  };
}

function report(
  req: FastifyRequest,
  onDecision: (d: AdmissionDecision) => unknown,
  d: AdmissionDecision,
): void {
  Promise.resolve()
    .then(() => onDecision(d))
    .catch((err: unknown) => req.log.warn({ err, uid: d.uid }, 'admission decision not recorded'));
}
