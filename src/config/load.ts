import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { type Config, ConfigSchema } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Plain = Record<string, unknown>;

/** WHARF_LISTEN → listen, WHARF_UPLOADS_TTL_SECONDS → uploads.ttlSeconds: env names are derived from the schema. */
function envOverrides(env: NodeJS.ProcessEnv): Plain {
  const out: Plain = {};
  for (const [key, prop] of Object.entries(ConfigSchema.properties)) {
    const nested = (prop as { properties?: Record<string, unknown> }).properties;
    if (nested) {
      for (const sub of Object.keys(nested)) {
        const v = env[`WHARF_${snake(key)}_${snake(sub)}`];
        if (v === undefined) continue;
        const section = (out[key] ?? {}) as Plain;
        // Lists come comma-separated: WHARF_ADMISSION_POLICIES=/etc/wharf/a.yaml,/etc/wharf/b.yaml
        const isList = (nested[sub] as { type?: unknown }).type === 'array';
        section[sub] = isList
          ? v
              .split(',')
              .map((x) => x.trim())
              .filter((x) => x !== '')
          : v;
        out[key] = section;
      }
    } else {
      const v = env[`WHARF_${snake(key)}`];
      if (v !== undefined) out[key] = v;
    }
  }
  // The database URL is commonly given as WHARF_DATABASE_URL.
  if (env.WHARF_DATABASE_URL !== undefined) out.database = env.WHARF_DATABASE_URL;
  return out;
}

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? merge(b, v) : v;
  }
  return out;
}

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(o: T): T {
  if (isPlain(o)) for (const v of Object.values(o)) deepFreeze(v);
  return Object.freeze(o);
}

async function readConfigFile(path: string): Promise<Plain> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // The parser's message carries a multi-line excerpt; the first line says what and where.
    const firstLine = (err as Error).message.split('\n')[0]?.replace(/:$/, '') ?? 'parse error';
    throw new ConfigError(`config file ${path} is not valid YAML: ${firstLine}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlain(doc)) throw new ConfigError(`config file ${path} must be a mapping`);
  return doc;
}

/** Validates a merged document; the message names the first bad key. */
export function validateConfig(doc: Plain): Config {
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, structuredClone(doc)));
  const first = Value.Errors(ConfigSchema, withDefaults).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    throw new ConfigError(`invalid config key '${key}': ${first.message}`);
  }
  return deepFreeze(withDefaults as Config);
}

/** Defaults, then the YAML file, then WHARF_* environment variables, then CLI flags. */
export async function loadConfig(options: {
  file?: string;
  flags?: Plain;
  env?: NodeJS.ProcessEnv;
}): Promise<Config> {
  const fromFile = options.file ? await readConfigFile(options.file) : {};
  const merged = merge(merge(fromFile, envOverrides(options.env ?? process.env)), options.flags ?? {});
  return validateConfig(merged);
}
