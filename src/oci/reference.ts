import { type Digest, tryParseDigest } from './digest.js';
import { isRepositoryName, isTag } from './names.js';

/** A fully-qualified image reference: `registry/repository[:tag][@digest]`. */
export interface Reference {
  /** Registry host, with port if any (`docker.io`, `localhost:5000`, `[::1]:5000`). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: Digest;
}

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';

/** A reference string that cannot be parsed; the message is one line naming the input and the fault. */
export class InvalidReferenceError extends Error {
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`invalid reference "${input.slice(0, 200)}": ${reason}`);
    this.name = 'InvalidReferenceError';
    this.input = input;
  }
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`,
);

/** Docker's rule: the first path component is a registry host iff it looks like one. */
function looksLikeHost(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.toLowerCase() !== component
  );
}

function isRegistryHost(host: string): boolean {
  return HOST_RE.test(host);
}

/** Splits `name` into registry and repository by docker's rules (docker.io, `library/`). */
function splitName(input: string, name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  let registry = DEFAULT_REGISTRY;
  let repository = name;
  if (slash !== -1 && looksLikeHost(first)) {
    if (!isRegistryHost(first)) throw new InvalidReferenceError(input, `invalid registry host "${first}"`);
    registry = first === 'index.docker.io' ? DEFAULT_REGISTRY : first;
    repository = name.slice(slash + 1);
  }
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  if (repository.toLowerCase() !== repository) {
    throw new InvalidReferenceError(input, 'repository name must be lowercase');
  }
  if (!isRepositoryName(repository)) throw new InvalidReferenceError(input, 'invalid repository name');
  return { registry, repository };
}

/** Splits `name[:tag]`; a colon only separates a tag when it follows the last slash. */
function splitTag(input: string, rest: string): { name: string; tag?: string } {
  const colon = rest.lastIndexOf(':');
  if (colon === -1 || colon < rest.lastIndexOf('/')) return { name: rest };
  const tag = rest.slice(colon + 1);
  if (!isTag(tag)) throw new InvalidReferenceError(input, `invalid tag "${tag.slice(0, 130)}"`);
  return { name: rest.slice(0, colon), tag };
}

/**
 * Parses a docker-style reference `[host[:port]/]repo/path[:tag][@algo:hex]`.
 * The tag defaults to `latest` when neither tag nor digest is given.
 */
export function parseReference(input: string): Reference {
  const s = input.trim();
  if (s === '') throw new InvalidReferenceError(input, 'empty reference');
  const at = s.indexOf('@');
  let digest: Digest | undefined;
  if (at !== -1) {
    digest = tryParseDigest(s.slice(at + 1));
    if (!digest) throw new InvalidReferenceError(input, 'invalid digest');
  }
  const { name, tag } = splitTag(input, at === -1 ? s : s.slice(0, at));
  if (name === '') throw new InvalidReferenceError(input, 'missing repository name');
  const ref: Reference = splitName(input, name);
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/** Parses a repository without tag or digest (`host/repo`), as `tags` and `catalog` verbs take. */
export function parseRepository(input: string): { registry: string; repository: string } {
  const s = input.trim();
  if (s === '') throw new InvalidReferenceError(input, 'empty repository');
  if (s.includes('@')) throw new InvalidReferenceError(input, 'a repository takes no digest');
  const { name, tag } = splitTag(input, s);
  if (tag !== undefined) throw new InvalidReferenceError(input, 'a repository takes no tag');
  return splitName(input, name);
}

/** Formats a reference in full: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** The tag or digest a pull should ask for: the digest wins when both are present. */
export function referenceTarget(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}
