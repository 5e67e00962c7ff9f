import { type Digest, tryParseDigest } from '../../oci/digest.js';
import { isRepositoryName, isTag } from '../../oci/names.js';
import { projectOf } from '../policy/project.js';
import { invalid } from './errors.js';

/** A promotion source: `dev/app@sha256:…` or `dev/app:1.4.0` (a registry host in front is ignored). */
export interface SourceRef {
  repository: string;
  project: string;
  /** The path under the project (`app`, `team/api`); '' for a repository named like its project. */
  path: string;
  tag?: string;
  digest?: Digest;
}

export function parseSource(source: string): SourceRef {
  const bad = (why: string) =>
    invalid(`source "${source.slice(0, 200)}" ${why}: give PROJECT/REPO@DIGEST or PROJECT/REPO:TAG`, {
      field: 'source',
    });
  let rest = source.trim();
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = tryParseDigest(rest.slice(at + 1));
    if (!digest) throw bad('has an invalid digest');
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) throw bad('has an invalid tag');
  }
  const parts = rest.split('/');
  // `host[:port]/dev/app`: a first segment with a dot or port is a registry host.
  if (parts.length > 2 && /[.:]|^localhost$/.test(parts[0] ?? '')) parts.shift();
  const repository = parts.join('/');
  if (!isRepositoryName(repository)) throw bad('names no valid repository');
  if (!digest && !tag) throw bad('names neither a tag nor a digest');
  const project = projectOf(repository);
  const path = repository === project ? '' : repository.slice(project.length + 1);
  return { repository, project, path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The same repository path under another project. */
export function repositoryIn(project: string, path: string): string {
  return path === '' ? project : `${project}/${path}`;
}
