import { RegistryError } from '../../oci/errors.js';
import type { ProjectRecord } from '../../ports/access-store.js';
import { isAccessError } from '../access/errors.js';
import type { Admission } from '../registry/admission.js';
import { projectOf } from './project.js';

export interface ProjectDirectory {
  findProject(name: string): Promise<ProjectRecord | undefined>;
  ensureProject(name: string): Promise<ProjectRecord>;
}

/**
 * Creates a repository's project (private) when the first content is pushed to it. Only pushes the
 * guard let through get here, and the guard lets a push into a project that does not exist through
 * for system admins alone, so this is Harbor's "created automatically on first push by an admin".
 * It runs before the other hooks, so quotas and limits see the project that now exists.
 */
export function autoCreateProjects(projects: ProjectDirectory): Admission {
  const ensure = async (repo: string) => {
    const name = projectOf(repo);
    if (await projects.findProject(name)) return;
    try {
      await projects.ensureProject(name);
    } catch (err) {
      if (!isAccessError(err, 'INVALID')) throw err;
      throw new RegistryError('NAME_INVALID', err.message, { detail: { project: name }, cause: err });
    }
  };
  return { beforeLinkBlob: ensure, beforeManifest: ensure };
}
