import { RegistryError } from './errors.js';

// Grammar from the Distribution Spec v1.1 ("Pulling manifests" / "Pushing manifests").
const REPO_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** distribution limits the whole name to 255 characters (with the host); keep to that. */
export const MAX_REPOSITORY_NAME = 255;

export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_REPOSITORY_NAME && REPO_RE.test(name);
}

export function assertRepositoryName(name: string): string {
  if (!isRepositoryName(name)) {
    throw new RegistryError('NAME_INVALID', 'invalid repository name', {
      detail: { name: name.slice(0, 300) },
    });
  }
  return name;
}

export function isTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function assertTag(tag: string): string {
  if (!isTag(tag)) {
    throw new RegistryError('MANIFEST_INVALID', 'invalid tag', { detail: { tag: tag.slice(0, 200) } });
  }
  return tag;
}
