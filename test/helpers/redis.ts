import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use (the acceptance criteria name this one). */
export const TEST_REDIS_URL = process.env.WHARF_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Set WHARF_REQUIRE_REDIS=1 (CI) to fail instead of skipping when Redis is down. */
const REQUIRED = process.env.WHARF_REQUIRE_REDIS === '1';

/** A key prefix no other run uses, so parallel runs and leftovers never collide. */
export function uniqueRedisPrefix(): string {
  return `wharf-test:${randomBytes(6).toString('hex')}:`;
}

/** Whether Redis answers; throws instead of answering false when WHARF_REQUIRE_REDIS=1. */
export async function redisReachable(): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch (err) {
    if (REQUIRED) throw new Error(`Redis is required but not reachable at ${TEST_REDIS_URL}`, { cause: err });
    console.warn(
      `\n*** Redis not reachable at ${TEST_REDIS_URL}: skipping the Redis suites (set WHARF_REQUIRE_REDIS=1 to fail instead) ***\n`,
    );
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix`; returns how many there were. */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Keys under `prefix` with their TTL in ms. */
export async function redisKeys(prefix: string): Promise<{ key: string; ttlMs: number }[]> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    const keys = await redis.keys(`${prefix}*`);
    return Promise.all(keys.map(async (key) => ({ key, ttlMs: await redis.pttl(key) })));
  } finally {
    redis.disconnect();
  }
}
