import { assertRateLimitArgs, type RateLimitResult, type Shared } from '../../ports/shared.js';
import { SlidingLog } from './sliding-log.js';

export interface MemorySharedOptions {
  /**
   * Most keys tracked at once (default 100,000). Past it the least recently used key is forgotten,
   * which can only let that key through early: memory stays bounded under a flood of client keys.
   */
  maxKeys?: number;
  /** Clock in epoch milliseconds (tests inject a fake one). */
  now?: () => number;
}

/** Idle keys dropped per call at most, so no single request pays for a large sweep. */
const SWEEP_BUDGET = 32;

/**
 * Shared state for a single process: exact sliding-window rate limits kept in memory. Keys are held
 * in least-recently-used order; keys whose window has passed are swept as calls arrive.
 */
export class MemoryShared implements Shared {
  private readonly logs = new Map<string, SlidingLog>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: MemorySharedOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.logs.size;
  }

  async rateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    assertRateLimitArgs(key, limit, windowSeconds);
    const now = this.now();
    this.sweep(now);
    let log = this.logs.get(key);
    if (log) {
      this.logs.delete(key); // re-inserted below, as the most recently used
    } else {
      log = new SlidingLog();
      if (this.logs.size >= this.maxKeys) this.evictOldest();
    }
    this.logs.set(key, log);
    const r = log.take(now, limit, windowSeconds * 1000);
    return {
      allowed: r.allowed,
      remaining: r.remaining,
      retryAfterSeconds: r.allowed ? 0 : Math.max(1, Math.ceil(r.retryMs / 1000)),
    };
  }

  async close(): Promise<void> {
    this.logs.clear();
  }

  /** Drops idle keys from the least recently used end. */
  private sweep(now: number): void {
    let budget = SWEEP_BUDGET;
    for (const [key, log] of this.logs) {
      if (budget-- === 0 || log.idleAt > now) return;
      this.logs.delete(key);
    }
  }

  private evictOldest(): void {
    const oldest = this.logs.keys().next();
    if (!oldest.done) this.logs.delete(oldest.value);
  }
}
