import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import type { UsageStore } from '../../ports/usage-store.js';
import type { Admission } from '../registry/admission.js';
import { projectOf } from './project.js';

export interface QuotaPolicyOptions {
  usage: UsageStore;
  /** The project's storage quota in bytes; null: unlimited. */
  quotaFor: (project: string) => Promise<number | null>;
  /**
   * Whether `repo` already stores this manifest, so pushing it again (a re-tag) costs nothing.
   * Without it every manifest push is charged its size, and a full project cannot even re-tag.
   */
  manifestStored?: (repo: string, digest: Digest) => Promise<boolean>;
}

/**
 * Refuses a push that would take a project over its storage quota, with DENIED and a message that
 * says by how much. A blob already linked anywhere in the project costs nothing (shared layers
 * count once per project), so pushes that add nothing new always pass, even over quota.
 *
 * Concurrency: the check reads usage, then the registry links; it does not serialise pushes. Pushes
 * to one project that check at the same time may all pass, so usage can exceed the quota by at most
 * the bytes being linked concurrently (each refused push is refused against committed usage).
 * Holding a per-project lock across every blob link would bound that to zero at the cost of
 * serialising a project's pushes across replicas; the overshoot is a few layers at most.
 */
export class QuotaPolicy implements Admission {
  constructor(private readonly o: QuotaPolicyOptions) {}

  async beforeLinkBlob(repo: string, blob: { digest: Digest; size: number }): Promise<void> {
    const project = projectOf(repo);
    const quota = await this.o.quotaFor(project);
    if (quota === null) return;
    if (await this.o.usage.projectHasBlob(project, blob.digest)) return;
    await this.admit(project, quota, blob.size, { repository: repo, digest: blob.digest });
  }

  async beforeManifest(repo: string, manifest: { digest: Digest; size: number }): Promise<void> {
    const project = projectOf(repo);
    const quota = await this.o.quotaFor(project);
    if (quota === null) return;
    if (await this.o.manifestStored?.(repo, manifest.digest)) return;
    await this.admit(project, quota, manifest.size, { repository: repo, digest: manifest.digest });
  }

  private async admit(
    project: string,
    quotaBytes: number,
    neededBytes: number,
    what: { repository: string; digest: Digest },
  ): Promise<void> {
    const usedBytes = await this.o.usage.projectBytes(project);
    if (usedBytes + neededBytes <= quotaBytes) return;
    throw new RegistryError(
      'DENIED',
      `quota exceeded: project ${project} uses ${usedBytes} of ${quotaBytes} bytes; this push needs ${neededBytes} more`,
      { detail: { project, usedBytes, quotaBytes, neededBytes, ...what } },
    );
  }
}
