import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  assertRateLimitArgs,
  type RateLimitResult,
  type Shared,
  SharedUnavailableError,
} from '../../ports/shared.js';
import { SLIDING_WINDOW_SCRIPT } from './sliding-window.lua.js';

export interface RedisSharedOptions {
  /** Prefix of every key Wharf writes (default `wharf:`); lets several registries share one Redis. */
  keyPrefix?: string;
  /** Give up connecting after this long (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Fail a command that has no answer after this long (default 1000 ms). */
  commandTimeoutMs?: number;
  /** Connection errors while reconnecting in the background (for the log). */
  onError?: (err: Error) => void;
}

const SCRIPT_SHA = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');

/** The URL without credentials, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'redis://…';
  }
}

function isTriple(v: unknown): v is [number, number, number] {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number');
}

/**
 * Shared state in Redis, for many replicas. Commands fail fast while disconnected (no offline
 * queue) and time out, surfacing as SharedUnavailableError; the client keeps reconnecting.
 */
export class RedisShared implements Shared {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async rateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    assertRateLimitArgs(key, limit, windowSeconds);
    const reply = await this.runScript(`${this.keyPrefix}rl:${key}`, limit, windowSeconds * 1000);
    if (!isTriple(reply)) throw new SharedUnavailableError('redis: unexpected rate limit reply');
    const [allowed, remaining, retryMs] = reply;
    return {
      allowed: allowed === 1,
      remaining,
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
    };
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async runScript(key: string, limit: number, windowMs: number): Promise<unknown> {
    try {
      try {
        return await this.redis.evalsha(SCRIPT_SHA, 1, key, limit, windowMs);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return await this.redis.eval(SLIDING_WINDOW_SCRIPT, 1, key, limit, windowMs);
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new SharedUnavailableError(`redis rate limit failed: ${reason}`, { cause: err });
    }
  }
}

/** Connects to Redis at `url` (redis:// or rediss://); throws SharedUnavailableError if it cannot. */
export async function createRedisShared(url: string, options: RedisSharedOptions = {}): Promise<RedisShared> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
  });
  let connected = false;
  let firstError: Error | undefined;
  // Without a listener ioredis prints every reconnect failure itself.
  redis.on('error', (err: Error) => {
    if (connected) options.onError?.(err);
    else firstError ??= err;
  });
  try {
    await redis.connect();
    connected = true;
  } catch (err) {
    redis.disconnect();
    const reason = (firstError ?? (err instanceof Error ? err : new Error(String(err)))).message;
    throw new SharedUnavailableError(`redis not reachable at ${redactRedisUrl(url)}: ${reason}`, {
      cause: err,
    });
  }
  return new RedisShared(redis, options.keyPrefix ?? 'wharf:');
}
