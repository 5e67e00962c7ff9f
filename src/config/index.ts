export { ConfigError, loadConfig, validateConfig } from './load.js';
export { type Config, ConfigSchema } from './schema.js';
