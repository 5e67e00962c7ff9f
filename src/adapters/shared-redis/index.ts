export { createRedisShared, RedisShared, type RedisSharedOptions, redactRedisUrl } from './redis-shared.js';
