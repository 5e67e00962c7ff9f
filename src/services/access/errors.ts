/** What went wrong, for the HTTP layer to map: 404, 409, 400 and 403. */
export type AccessErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'FORBIDDEN';

/** The access service's one error type. Messages never contain passwords or secrets. */
export class AccessError extends Error {
  constructor(
    readonly code: AccessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AccessError';
  }
}

export const notFound = (what: string, name: string) =>
  new AccessError('NOT_FOUND', `${what} '${name}' not found`);
export const invalid = (message: string) => new AccessError('INVALID', message);

export function isAccessError(err: unknown, code?: AccessErrorCode): err is AccessError {
  return err instanceof AccessError && (code === undefined || err.code === code);
}
