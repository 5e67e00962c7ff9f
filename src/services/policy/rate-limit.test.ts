import { afterAll, describe, expect, it } from 'vitest';
import {
  deleteRedisKeys,
  redisReachable,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
} from '../../../test/helpers/redis.js';
import { MemoryShared } from '../../adapters/shared-memory/index.js';
import { createRedisShared } from '../../adapters/shared-redis/index.js';
import { isRegistryError, type RegistryError } from '../../oci/errors.js';
import { type Shared, SharedUnavailableError } from '../../ports/shared.js';
import { PullRateLimiter, pullClientKey } from './rate-limit.js';

async function refusal(p: Promise<unknown>): Promise<RegistryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRegistryError(err)) throw new Error(`expected a RegistryError, got ${String(err)}`);
  return err;
}

function limiterSuite(name: string, open: () => Promise<Shared>): void {
  describe(`PullRateLimiter on ${name}`, () => {
    it('refuses a client over its own limit with 429 and Retry-After, other clients unaffected', async () => {
      const shared = await open();
      try {
        const limiter = new PullRateLimiter({
          shared,
          perClientPerMinute: 3,
          projectLimit: async () => null,
        });
        for (let i = 0; i < 3; i++) await limiter.check({ project: 'p', clientKey: 'alice' });
        const err = await refusal(limiter.check({ project: 'p', clientKey: 'alice' }));
        expect(err.code).toBe('TOOMANYREQUESTS');
        expect(err.status).toBe(429);
        expect(err.message).toMatch(
          /^pull rate limit exceeded for client alice: 3 per minute; retry in \d+ s$/,
        );
        const retry = Number(err.headers['Retry-After']);
        expect(retry).toBeGreaterThanOrEqual(59);
        expect(retry).toBeLessThanOrEqual(60);
        await limiter.check({ project: 'p', clientKey: 'bob' });
      } finally {
        await shared.close();
      }
    });

    it('shares a project limit between clients, per project', async () => {
      const shared = await open();
      try {
        const limits: Record<string, number> = { busy: 2 };
        const limiter = new PullRateLimiter({
          shared,
          perClientPerMinute: null,
          projectLimit: async (p) => limits[p] ?? null,
        });
        await limiter.check({ project: 'busy', clientKey: 'alice' });
        await limiter.check({ project: 'busy', clientKey: 'bob' });
        const err = await refusal(limiter.check({ project: 'busy', clientKey: 'carol' }));
        expect(err.message).toMatch(/for project busy: 2 per minute/);
        expect(err.headers['Retry-After']).toMatch(/^\d+$/);
        for (let i = 0; i < 10; i++) await limiter.check({ project: 'quiet', clientKey: 'carol' });
      } finally {
        await shared.close();
      }
    });

    it("a client refused for its own rate does not spend the project's budget", async () => {
      const shared = await open();
      try {
        const limiter = new PullRateLimiter({ shared, perClientPerMinute: 1, projectLimit: async () => 2 });
        await limiter.check({ project: 'p', clientKey: 'greedy' });
        for (let i = 0; i < 5; i++)
          await expect(limiter.check({ project: 'p', clientKey: 'greedy' })).rejects.toThrow();
        await limiter.check({ project: 'p', clientKey: 'polite' });
      } finally {
        await shared.close();
      }
    });
  });
}

limiterSuite('memory', async () => new MemoryShared());

const reachable = await redisReachable();
const prefix = uniqueRedisPrefix();
afterAll(async () => {
  if (reachable) await deleteRedisKeys(prefix);
});
describe.skipIf(!reachable)('redis', () => {
  limiterSuite('redis', () => createRedisShared(TEST_REDIS_URL, { keyPrefix: prefix }));
});

describe('PullRateLimiter', () => {
  const down: Shared = {
    rateLimit: async () => {
      throw new SharedUnavailableError('redis rate limit failed: connection closed');
    },
    close: async () => {},
  };

  it('lets pulls through when the shared store is down (fail open), reporting the failure', async () => {
    const seen: string[] = [];
    const limiter = new PullRateLimiter({
      shared: down,
      perClientPerMinute: 1,
      projectLimit: async () => 1,
      onError: (err) => seen.push(err.message),
    });
    await limiter.check({ project: 'p', clientKey: 'alice' });
    expect(seen).toHaveLength(2);
  });

  it('refuses with 503 when told to fail closed', async () => {
    const limiter = new PullRateLimiter({
      shared: down,
      perClientPerMinute: 1,
      projectLimit: async () => null,
      failOpen: false,
    });
    const err = await refusal(limiter.check({ project: 'p', clientKey: 'alice' }));
    expect(err.code).toBe('WHARF_ERR_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.headers['Retry-After']).toBe('1');
  });

  it('asks nothing of the shared store when no limit applies (null or 0)', async () => {
    let calls = 0;
    const counting: Shared = {
      rateLimit: async () => {
        calls++;
        return { allowed: true, remaining: 1, retryAfterSeconds: 0 };
      },
      close: async () => {},
    };
    const limiter = new PullRateLimiter({
      shared: counting,
      perClientPerMinute: 0,
      projectLimit: async () => null,
    });
    await limiter.check({ project: 'p', clientKey: 'alice' });
    expect(calls).toBe(0);
  });

  it('keys clients by principal name, anonymous ones by IP', () => {
    expect(pullClientKey({ kind: 'user', id: 1, name: 'alice', admin: false }, '10.0.0.1')).toBe('alice');
    expect(pullClientKey({ kind: 'robot', id: 2, name: 'robot$team+ci', permissions: [] }, '10.0.0.1')).toBe(
      'robot$team+ci',
    );
    expect(pullClientKey({ kind: 'anonymous' }, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(pullClientKey({ kind: 'anonymous' }, '::1')).toBe('ip:::1');
  });
});
