/**
 * The one table of error codes Wharf speaks. OCI wire codes come from the Distribution Spec v1.1;
 * statuses follow the spec rather than distribution's quirks. Wharf's own codes are WHARF_ERR_*.
 */
export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry', oci: true },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid', oci: true },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry', oci: true },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content', oci: true },
  MANIFEST_BLOB_UNKNOWN: {
    status: 400,
    message: 'manifest references a manifest or blob unknown to registry',
    oci: true,
  },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid', oci: true },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry', oci: true },
  NAME_INVALID: { status: 400, message: 'invalid repository name', oci: true },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry', oci: true },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length', oci: true },
  UNAUTHORIZED: { status: 401, message: 'authentication required', oci: true },
  DENIED: { status: 403, message: 'requested access to the resource is denied', oci: true },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported', oci: true },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests', oci: true },
  RANGE_INVALID: { status: 416, message: 'requested range not satisfiable', oci: false },
  WHARF_ERR_TAG_INVALID: { status: 400, message: 'invalid tag', oci: false },
  WHARF_ERR_REQUEST_INVALID: { status: 400, message: 'malformed request', oci: false },
  WHARF_ERR_NOT_FOUND: { status: 404, message: 'not found', oci: false },
  WHARF_ERR_CONFLICT: { status: 409, message: 'conflict with the current state', oci: false },
  WHARF_ERR_UNAVAILABLE: { status: 503, message: 'service unavailable', oci: false },
  WHARF_ERR_INTERNAL: { status: 500, message: 'internal error', oci: false },
} as const satisfies Record<string, { status: number; message: string; oci: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RegistryErrorOptions {
  detail?: unknown;
  /** Overrides the table's status where the spec asks for another (an out-of-order chunk is 416). */
  status?: number;
  /** Extra response headers the error needs (Range on 416, Retry-After on 429). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The one error type services throw; the HTTP layer turns it into a spec-shaped body. */
export class RegistryError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(code: C, message?: string, options: RegistryErrorOptions = {}) {
    super(message ?? ERROR_CODES[code].message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}

/** The wire body of an error response, per the spec. */
export function errorBody(err: RegistryError): {
  errors: { code: string; message: string; detail: unknown }[];
} {
  // Wharf-only codes that stand for a spec status still present a spec-like code to clients.
  return { errors: [{ code: err.code, message: err.message, detail: err.detail ?? null }] };
}
