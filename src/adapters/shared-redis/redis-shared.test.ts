import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  deleteRedisKeys,
  redisKeys,
  redisReachable,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
} from '../../../test/helpers/redis.js';
import { sharedSuite } from '../../../test/suites/shared-suite.js';
import { SharedUnavailableError } from '../../ports/shared.js';
import { createRedisShared, redactRedisUrl } from './redis-shared.js';

const reachable = await redisReachable();
const prefix = uniqueRedisPrefix();
afterAll(async () => {
  if (reachable) await deleteRedisKeys(prefix);
});

describe.skipIf(!reachable)('redis', () => {
  sharedSuite('redis', async () => {
    const shared = await createRedisShared(TEST_REDIS_URL, { keyPrefix: prefix });
    return { shared, advance: (ms) => sleep(ms), cleanup: () => shared.close() };
  });

  it('writes only under its key prefix, with keys that expire with their window', async () => {
    const own = uniqueRedisPrefix();
    const shared = await createRedisShared(TEST_REDIS_URL, { keyPrefix: own });
    try {
      await shared.rateLimit('pull:client:alice', 5, 30);
      const keys = await redisKeys(own);
      expect(keys.map((k) => k.key)).toEqual([`${own}rl:pull:client:alice`]);
      expect(keys[0]?.ttlMs).toBeGreaterThan(25_000);
      expect(keys[0]?.ttlMs).toBeLessThanOrEqual(30_000);
    } finally {
      await shared.close();
      expect(await deleteRedisKeys(own)).toBe(1);
    }
  });

  it('shares counts between clients (replicas) on the same prefix', async () => {
    const a = await createRedisShared(TEST_REDIS_URL, { keyPrefix: prefix });
    const b = await createRedisShared(TEST_REDIS_URL, { keyPrefix: prefix });
    try {
      expect((await a.rateLimit('replicas', 2, 60)).allowed).toBe(true);
      expect((await b.rateLimit('replicas', 2, 60)).allowed).toBe(true);
      expect((await a.rateLimit('replicas', 2, 60)).allowed).toBe(false);
      expect((await b.rateLimit('replicas', 2, 60)).allowed).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('surfaces a closed connection as SharedUnavailableError', async () => {
    const shared = await createRedisShared(TEST_REDIS_URL, { keyPrefix: prefix });
    await shared.close();
    await expect(shared.rateLimit('closed', 1, 60)).rejects.toThrow(SharedUnavailableError);
  });
});

describe('redis unreachable', () => {
  it('fails fast with SharedUnavailableError naming the server, never the password', async () => {
    const started = Date.now();
    const err = await createRedisShared('redis://:secret@127.0.0.1:1', { connectTimeoutMs: 500 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SharedUnavailableError);
    expect((err as Error).message).toMatch(/redis not reachable at redis:\/\/127\.0\.0\.1:1/);
    expect((err as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('redacts credentials in URLs', () => {
    expect(redactRedisUrl('rediss://u:p@cache:6380/2')).toBe('rediss://cache:6380/2');
    expect(redactRedisUrl('not a url')).toBe('redis://…');
  });
});
