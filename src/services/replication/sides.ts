import type { RepositoryEndpoint } from '../../client/copy-artifact.js';
import type { RegistryClient } from '../../client/registry-client.js';
import { RegistryRepository } from '../../client/registry-repository.js';
import type { UploadSession } from '../../client/upload.js';
import type { ReplicationPolicyRecord, ReplicationUploadStore } from '../../ports/replication-store.js';
import type { Registry } from '../registry/index.js';
import { localListing, remoteListing, type SourceListing } from './candidates.js';
import { LocalRepository } from './local.js';
import type { PolicyService } from './policies.js';
import { remoteClient } from './remote.js';

export interface SidesOptions {
  registry: Registry;
  policies: PolicyService;
  uploads: ReplicationUploadStore;
  chunkSize: number;
}

/** Both ends of a policy: repositories by name, the source's listing, and what to close after. */
export interface Sides {
  source(repository: string): RepositoryEndpoint;
  destination(repository: string): RepositoryEndpoint;
  listing: SourceListing;
  /** The endpoint's client (push: the destination; pull: the source). */
  remote: RegistryClient;
  close(): Promise<void>;
}

/** Upload sessions of one artifact's copy, kept in the store so its job's retries resume them. */
function sessionsOf(uploads: ReplicationUploadStore, artifactId: number) {
  return (repository: string, digest: string): UploadSession => ({
    load: () => uploads.get(artifactId, repository, digest),
    save: (location) => uploads.set(artifactId, repository, digest, location),
    clear: () => uploads.delete(artifactId, repository, digest),
  });
}

/** Opens the endpoint of a policy; uploads resume through `artifactId`'s sessions when given. */
export async function openSides(
  o: SidesOptions,
  policy: ReplicationPolicyRecord,
  artifactId?: number,
): Promise<Sides> {
  const credentials = await o.policies.credentialsOf(policy);
  const { client, close } = await remoteClient(policy, credentials, { chunkSize: o.chunkSize });
  const sessions = artifactId === undefined ? undefined : sessionsOf(o.uploads, artifactId);
  const local = { registry: o.registry, chunkSize: o.chunkSize, ...(sessions ? { sessions } : {}) };
  const remote = (repository: string) =>
    new RegistryRepository(client, repository, sessions ? { sessions } : {});
  const here = (repository: string) => new LocalRepository(local, repository);
  const push = policy.mode === 'push';
  return {
    source: push ? here : remote,
    destination: push ? remote : here,
    listing: push ? localListing(o.registry) : remoteListing(client),
    remote: client,
    close,
  };
}
