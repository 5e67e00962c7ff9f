import { readManifest } from '../../client/manifest.js';
import type { RegistryClient } from '../../client/registry-client.js';
import type { Digest } from '../../oci/digest.js';
import { isRegistryError } from '../../oci/errors.js';
import type { NewArtifact, ReplicationPolicyRecord } from '../../ports/replication-store.js';
import type { Registry } from '../registry/index.js';
import {
  attachmentSubject,
  inProject,
  labelsMatch,
  literalNames,
  repositoryMatches,
  tagMatches,
} from './filters.js';
import type { ArtifactLabels } from './types.js';

/** What the filters need to know of one side: its repositories, their tags, a tag's manifest. */
export interface SourceListing {
  /** Repositories that may match `pattern` (all of them when it has wildcards). */
  repositories(pattern: string | undefined): Promise<string[]>;
  /** [] when the repository does not exist. */
  tags(repository: string): Promise<string[]>;
  /** undefined when the tag does not exist (any more). */
  manifest(
    repository: string,
    tag: string,
  ): Promise<{ digest: Digest; bytes: Buffer; mediaType: string } | undefined>;
}

const PAGE = 1000;

/** This registry as a source. */
export function localListing(registry: Registry): SourceListing {
  return {
    async repositories() {
      const out: string[] = [];
      let last: string | undefined;
      do {
        const page = await registry.listing.catalog(last === undefined ? { n: PAGE } : { n: PAGE, last });
        out.push(...page.items);
        last = page.next;
      } while (last !== undefined);
      return out;
    },
    async tags(repository) {
      const out: string[] = [];
      let last: string | undefined;
      try {
        do {
          const page = await registry.listing.tags(
            repository,
            last === undefined ? { n: PAGE } : { n: PAGE, last },
          );
          out.push(...page.items);
          last = page.next;
        } while (last !== undefined);
      } catch (err) {
        if (isRegistryError(err) && err.code === 'NAME_UNKNOWN') return [];
        throw err;
      }
      return out;
    },
    async manifest(repository, tag) {
      try {
        const m = await registry.manifests.get(repository, tag);
        return { digest: m.digest, bytes: m.body, mediaType: m.mediaType };
      } catch (err) {
        if (isRegistryError(err) && err.code === 'MANIFEST_UNKNOWN') return undefined;
        throw err;
      }
    },
  };
}

/** Another registry as a source: its catalog is read only when the repository filter has wildcards. */
export function remoteListing(client: RegistryClient): SourceListing {
  return {
    async repositories(pattern) {
      return (
        (pattern !== undefined ? literalNames(pattern) : undefined) ?? client.catalog({ pageSize: PAGE })
      );
    },
    async tags(repository) {
      try {
        return await client.listTags(repository, { pageSize: PAGE });
      } catch (err) {
        if ((err as { status?: number }).status === 404) return [];
        throw err;
      }
    },
    async manifest(repository, tag) {
      if (!(await client.headManifest(repository, tag))) return undefined;
      const m = await client.getManifest(repository, tag);
      return { digest: m.digest, bytes: m.bytes, mediaType: m.mediaType };
    },
  };
}

/** The type the artifactType filter compares: artifactType, else the config's media type, else the manifest's. */
export function artifactTypeOf(bytes: Buffer, mediaType: string): string {
  const info = readManifest(bytes, mediaType);
  return info.artifactType ?? info.config?.mediaType ?? info.mediaType;
}

export function destinationOf(policy: ReplicationPolicyRecord, repository: string): string {
  return policy.destinationNamespace ? `${policy.destinationNamespace}/${repository}` : repository;
}

/** The repository on this registry's side (push: the source; pull: the destination). */
function localSide(policy: ReplicationPolicyRecord, repository: string): string {
  return policy.mode === 'push' ? repository : destinationOf(policy, repository);
}

export interface Selection {
  policy: ReplicationPolicyRecord;
  source: SourceListing;
  labels: ArtifactLabels | undefined;
}

/** Whether the artifact a tag names passes the artifactType and label filters; its digest when it does. */
async function admitted(s: Selection, repository: string, tag: string): Promise<Digest | undefined> {
  const m = await s.source.manifest(repository, tag);
  if (!m) return undefined;
  const f = s.policy.filters;
  if (f.artifactType !== undefined && artifactTypeOf(m.bytes, m.mediaType) !== f.artifactType)
    return undefined;
  if (f.label !== undefined) {
    if (!s.labels) throw new Error('the label filter needs artifact labels, which this server does not keep');
    if (!labelsMatch(f.label, await s.labels.of(repository, m.digest))) return undefined;
  }
  return m.digest;
}

/** The tags of one repository the policy replicates, as artifacts. */
export async function selectTags(
  s: Selection,
  repository: string,
  tags: readonly string[],
): Promise<NewArtifact[]> {
  const out: NewArtifact[] = [];
  for (const tag of tags) {
    if (!tagMatches(s.policy.filters, tag)) continue;
    const digest = await admitted(s, repository, tag);
    if (digest === undefined) continue;
    out.push({ repository, destination: destinationOf(s.policy, repository), tag, digest });
  }
  return out;
}

/** Whether a repository is in the policy's scope (project, repository glob). */
export function repositoryInScope(policy: ReplicationPolicyRecord, repository: string): boolean {
  return (
    inProject(policy.project, localSide(policy, repository)) && repositoryMatches(policy.filters, repository)
  );
}

/** Every artifact at the source the policy's filters select, repository by repository. */
export async function selectAll(s: Selection): Promise<NewArtifact[]> {
  const out: NewArtifact[] = [];
  for (const repository of await s.source.repositories(s.policy.filters.repository)) {
    if (!repositoryInScope(s.policy, repository)) continue;
    out.push(...(await selectTags(s, repository, await s.source.tags(repository))));
  }
  return out;
}

/**
 * The artifacts a push names: its tag, or — for a signature, attestation or SBOM (a cosign tag, or a
 * referrer pushed by digest) — every tag of the image it is attached to, so attachments pushed after
 * the image follow it.
 */
export async function selectPushed(
  s: Selection,
  event: { repository: string; tag: string | null; digest: string | null },
  subjectOf: (repository: string, digest: string) => Promise<string | null>,
  tagsOf: (repository: string, digest: string) => Promise<string[]>,
): Promise<NewArtifact[]> {
  if (!repositoryInScope(s.policy, event.repository)) return [];
  const subject =
    (event.tag !== null ? attachmentSubject(event.tag) : undefined) ??
    (event.tag === null && event.digest !== null ? await subjectOf(event.repository, event.digest) : null);
  if (subject) return selectTags(s, event.repository, await tagsOf(event.repository, subject));
  return event.tag === null ? [] : selectTags(s, event.repository, [event.tag]);
}
