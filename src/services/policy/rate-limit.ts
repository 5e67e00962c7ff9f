import { RegistryError } from '../../oci/errors.js';
import { type Shared, SharedUnavailableError } from '../../ports/shared.js';
import type { Principal } from '../access/principal.js';

const WINDOW_SECONDS = 60;

export interface PullRateLimiterOptions {
  shared: Shared;
  /** Pulls per minute per client (principal, or IP when anonymous); null or 0: unlimited. */
  perClientPerMinute: number | null;
  /** Pulls per minute for the whole project; null or 0: unlimited. */
  projectLimit: (project: string) => Promise<number | null>;
  /**
   * When the shared store cannot answer: true (default) lets the pull through, so a Redis outage
   * does not stop pulls; false refuses with 503 WHARF_ERR_UNAVAILABLE.
   */
  failOpen?: boolean;
  /** Told about every shared-store failure (for the log), whichever way it fails. */
  onError?: (err: SharedUnavailableError) => void;
}

/** The per-client key: the principal's name, or `ip:<addr>` for anonymous pulls. */
export function pullClientKey(principal: Principal, clientIp: string): string {
  return principal.kind === 'anonymous' ? `ip:${clientIp}` : principal.name;
}

/**
 * Per-client and per-project pull rate limits (exact sliding windows of one minute in `Shared`).
 * The client's own limit is checked first, so a client refused for its own rate never spends the
 * project's budget that other clients share; a pull refused by the project limit has still spent
 * one of the client's.
 */
export class PullRateLimiter {
  constructor(private readonly o: PullRateLimiterOptions) {}

  /** Counts one pull; throws 429 TOOMANYREQUESTS with Retry-After when a limit is exceeded. */
  async check(pull: { project: string; clientKey: string }): Promise<void> {
    const client = this.o.perClientPerMinute;
    if (client !== null && client > 0) {
      await this.take(`pull:client:${pull.clientKey}`, client, `client ${pull.clientKey}`);
    }
    const project = await this.o.projectLimit(pull.project);
    if (project !== null && project > 0) {
      await this.take(`pull:project:${pull.project}`, project, `project ${pull.project}`);
    }
  }

  private async take(key: string, limit: number, who: string): Promise<void> {
    let r: Awaited<ReturnType<Shared['rateLimit']>>;
    try {
      r = await this.o.shared.rateLimit(key, limit, WINDOW_SECONDS);
    } catch (err) {
      if (!(err instanceof SharedUnavailableError)) throw err;
      this.o.onError?.(err);
      if (this.o.failOpen ?? true) return;
      throw new RegistryError('WHARF_ERR_UNAVAILABLE', 'rate limits unavailable; retry shortly', {
        headers: { 'Retry-After': '1' },
        cause: err,
      });
    }
    if (r.allowed) return;
    throw new RegistryError(
      'TOOMANYREQUESTS',
      `pull rate limit exceeded for ${who}: ${limit} per minute; retry in ${r.retryAfterSeconds} s`,
      {
        detail: { limit, windowSeconds: WINDOW_SECONDS, retryAfterSeconds: r.retryAfterSeconds },
        headers: { 'Retry-After': String(r.retryAfterSeconds) },
      },
    );
  }
}
