/** An error from talking to a registry: HTTP status (0 when unreachable) and the OCI error code, if any. */
export class RegistryClientError extends Error {
  /** HTTP status, or 0 when no response was received. */
  readonly status: number;
  /** The first OCI error code from the body (`MANIFEST_UNKNOWN`…), `UNREACHABLE`, or undefined. */
  readonly code: string | undefined;
  /** The registry's own message for that code, if any. */
  readonly registryMessage: string | undefined;

  constructor(
    message: string,
    opts: {
      status: number;
      code?: string | undefined;
      registryMessage?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(oneLine(message), opts.cause === undefined ? {} : { cause: opts.cause });
    this.name = 'RegistryClientError';
    this.status = opts.status;
    this.code = opts.code;
    this.registryMessage = opts.registryMessage;
  }
}

export function isRegistryClientError(err: unknown): err is RegistryClientError {
  return err instanceof RegistryClientError;
}

export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

interface OciErrorBody {
  code?: string;
  message?: string;
}

/** Reads `{errors:[{code,message}]}` from a response body; tolerates anything else. */
export function parseErrorBody(text: string): OciErrorBody {
  try {
    const doc = JSON.parse(text) as { errors?: unknown };
    const first = Array.isArray(doc.errors) ? (doc.errors[0] as unknown) : undefined;
    if (typeof first !== 'object' || first === null) return {};
    const { code, message } = first as Record<string, unknown>;
    return {
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  } catch {
    return {};
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'bad request',
  401: 'unauthorized',
  403: 'denied',
  404: 'not found',
  405: 'unsupported',
  416: 'range not satisfiable',
  429: 'too many requests',
};

/** Builds the error for an unexpected HTTP response. */
export function httpError(what: string, status: number, bodyText: string): RegistryClientError {
  const { code, message } = parseErrorBody(bodyText);
  const detail = [code, message].filter(Boolean).join(': ') || STATUS_TEXT[status] || 'unexpected response';
  return new RegistryClientError(`${what}: HTTP ${status}: ${detail.slice(0, 300)}`, {
    status,
    code,
    registryMessage: message,
  });
}

/** Builds the error for a request that got no response at all. */
export function networkError(what: string, host: string, cause: unknown): RegistryClientError {
  const c = cause as { code?: unknown; message?: unknown } | undefined;
  const reason =
    typeof c?.code === 'string' ? c.code : typeof c?.message === 'string' ? c.message : String(cause);
  return new RegistryClientError(`${what}: cannot reach ${host}: ${reason}`, {
    status: 0,
    code: 'UNREACHABLE',
    cause,
  });
}
