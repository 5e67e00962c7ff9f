/** The outcome of one rate-limited request. */
export interface RateLimitResult {
  /** Whether this request fits the limit (and was counted). Refused requests are not counted. */
  allowed: boolean;
  /** Further requests that would be allowed right now, after this one. */
  remaining: number;
  /** When refused: whole seconds (at least 1) until one more request fits; 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * State shared by every replica: rate limits now; cache invalidation (publish/subscribe) later.
 * In-process by default, Redis in scale-out. Adapters throw SharedUnavailableError when the
 * backing service cannot answer; callers decide whether to fail open or closed.
 */
export interface Shared {
  /**
   * Counts one request against `key` and says whether it fits: at most `limit` allowed requests
   * in any interval of `windowSeconds` (an exact sliding window, so no 2× burst at a boundary).
   * `limit` and `windowSeconds` are positive integers; a key's limit may change between calls.
   */
  rateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** The shared-state backend did not answer (down, timed out, or refused the command). */
export class SharedUnavailableError extends Error {
  readonly code = 'WHARF_SHARED_UNAVAILABLE';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'SharedUnavailableError';
  }
}

/** Throws a RangeError unless the arguments are what `rateLimit` accepts. */
export function assertRateLimitArgs(key: string, limit: number, windowSeconds: number): void {
  if (key === '') throw new RangeError('rate limit key must not be empty');
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`rate limit must be a positive integer, got ${limit}`);
  }
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1) {
    throw new RangeError(
      `rate limit window must be a positive whole number of seconds, got ${windowSeconds}`,
    );
  }
}
