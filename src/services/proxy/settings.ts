import { isRepositoryName } from '../../oci/names.js';
import type { ProxySettings } from '../../ports/access-store.js';
import type { SecretBox } from '../secrets/index.js';

/** A proxy setting as an administrator gives it (API, CLI): the password in clear, once. */
export interface ProxyInput {
  upstream: string;
  repositoryPrefix?: string | null;
  /** Omitted: kept while the upstream stays the same, dropped when it changes; null: anonymous. */
  credentials?: { username: string; password: string } | null;
}

/** Docker Hub's names for itself; its registry API answers on registry-1.docker.io. */
const DOCKER_HUB = new Set([
  'docker.io',
  'index.docker.io',
  'registry.hub.docker.com',
  'registry-1.docker.io',
]);
export const DOCKER_HUB_ORIGIN = 'https://registry-1.docker.io';

/** A refused proxy setting; the message names the field. */
export class ProxySettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxySettingsError';
  }
}

/** The upstream's origin (`https://host[:port]`), Docker Hub's aliases folded into its API host. */
export function normaliseUpstream(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ProxySettingsError('proxy.upstream must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ProxySettingsError('proxy.upstream must be an http:// or https:// URL');
  if (url.username !== '' || url.password !== '')
    throw new ProxySettingsError('proxy.upstream must not carry credentials (use proxy.credentials)');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    throw new ProxySettingsError('proxy.upstream is a registry origin, without a path, query or fragment');
  if (DOCKER_HUB.has(url.hostname) && url.port === '') return DOCKER_HUB_ORIGIN;
  return url.origin;
}

/**
 * Checks a proxy setting and seals its password with `box`, bound to the project (the sealed value
 * does not open for another project). `current` is the project's setting today, for kept credentials.
 */
export function checkProxySettings(
  input: ProxyInput,
  current: ProxySettings | null,
  project: string,
  box: SecretBox | undefined,
): ProxySettings {
  const upstream = normaliseUpstream(input.upstream);
  const prefix = input.repositoryPrefix ?? null;
  if (prefix !== null && !isRepositoryName(prefix))
    throw new ProxySettingsError('proxy.repositoryPrefix must be a repository path (`library`, `org/team`)');
  const base = { upstream, repositoryPrefix: prefix };
  if (input.credentials === undefined) {
    // Credentials follow their upstream: pointing the project elsewhere never sends them there.
    const keep = current !== null && current.upstream === upstream;
    return {
      ...base,
      username: keep ? current.username : null,
      sealedPassword: keep ? current.sealedPassword : null,
    };
  }
  if (input.credentials === null) return { ...base, username: null, sealedPassword: null };
  const { username, password } = input.credentials;
  if (username === '' || username.length > 255 || /[:\s]/.test(username))
    throw new ProxySettingsError(
      'proxy.credentials.username must be 1-255 characters without colons or spaces',
    );
  if (password === '' || password.length > 4096)
    throw new ProxySettingsError('proxy.credentials.password must be 1-4096 characters');
  if (!box) throw new ProxySettingsError('proxy.credentials need a secret key, and this server has none');
  return { ...base, username, sealedPassword: box.seal(password, sealContext(project)) };
}

/** What a project's sealed upstream password is bound to. */
export function sealContext(project: string): string {
  return `wharf/proxy-credentials/${project}`;
}
