import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Credentials } from './auth.js';

/** Reads and writes registry credentials in docker's `config.json`, as docker and podman do. */

export interface DockerConfigOptions {
  /** Environment to read DOCKER_CONFIG and HOME from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  [key: string]: unknown;
}

interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  [key: string]: unknown;
}

const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(opts: DockerConfigOptions = {}): string {
  const env = opts.env ?? process.env;
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME || homedir(), '.docker', 'config.json');
}

/** The registry a config key names: scheme and path dropped, Docker Hub's aliases folded into docker.io. */
export function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(host)
    ? 'docker.io'
    : host;
}

function keyFor(registry: string): string {
  return normalizeRegistryKey(registry) === 'docker.io' ? DOCKER_HUB_KEY : registry;
}

async function readConfig(path: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
    return doc as DockerConfigFile;
  } catch (err) {
    throw new Error(`${path} is not a valid docker config: ${(err as Error).message}`);
  }
}

function decodeEntry(entry: AuthEntry): Credentials | undefined {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** Credentials stored for a registry host, or undefined. */
export async function readCredentials(
  registry: string,
  opts: DockerConfigOptions = {},
): Promise<Credentials | undefined> {
  const config = await readConfig(dockerConfigPath(opts));
  const wanted = normalizeRegistryKey(registry);
  for (const [key, entry] of Object.entries(config?.auths ?? {})) {
    if (normalizeRegistryKey(key) !== wanted || typeof entry !== 'object' || entry === null) continue;
    const creds = decodeEntry(entry);
    if (creds) return creds;
  }
  return undefined;
}

async function writeConfig(path: string, config: DockerConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** Stores credentials for a registry host, keeping every other key of the file; returns the file path. */
export async function storeCredentials(
  registry: string,
  creds: Credentials,
  opts: DockerConfigOptions = {},
): Promise<string> {
  const path = dockerConfigPath(opts);
  const config = (await readConfig(path)) ?? {};
  const auths = { ...(config.auths ?? {}) };
  for (const key of Object.keys(auths)) {
    if (normalizeRegistryKey(key) === normalizeRegistryKey(registry) && key !== keyFor(registry))
      delete auths[key];
  }
  const auth = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
  const { username: _u, password: _p, ...rest } = auths[keyFor(registry)] ?? {};
  auths[keyFor(registry)] = { ...rest, auth };
  await writeConfig(path, { ...config, auths });
  return path;
}

/** Removes stored credentials for a registry host; true when there were any. */
export async function removeCredentials(registry: string, opts: DockerConfigOptions = {}): Promise<boolean> {
  const path = dockerConfigPath(opts);
  const config = await readConfig(path);
  if (!config?.auths) return false;
  const auths = { ...config.auths };
  const keys = Object.keys(auths).filter((k) => normalizeRegistryKey(k) === normalizeRegistryKey(registry));
  for (const key of keys) delete auths[key];
  if (keys.length > 0) await writeConfig(path, { ...config, auths });
  return keys.length > 0;
}
