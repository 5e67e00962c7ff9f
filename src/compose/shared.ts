import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Shared } from '../ports/shared.js';

/** State shared by replicas: Redis when `shared.redisUrl` is set, else in-process (loaded lazily). */
export async function openShared(config: Config, log: Logger): Promise<Shared> {
  if (!config.shared.redisUrl) {
    const { MemoryShared } = await import('../adapters/shared-memory/index.js');
    return new MemoryShared();
  }
  const { createRedisShared } = await import('../adapters/shared-redis/index.js');
  return createRedisShared(config.shared.redisUrl, {
    keyPrefix: config.shared.keyPrefix,
    onError: (err) => log.warn({ err }, 'redis connection error'),
  });
}
