import type { Digest } from '../oci/digest.js';
import type { RepositoryEndpoint } from './copy-artifact.js';
import { type ImageEndpoint, RegistryEndpoint, type UploadSessions } from './endpoints.js';
import type { Descriptor } from './manifest.js';
import type { RegistryClient } from './registry-client.js';
import { addToFallbackIndex } from './signatures/referrer.js';

/** A repository of a registry reached over the Distribution API, as the artifact copier sees it. */
export class RegistryRepository implements RepositoryEndpoint {
  readonly name: string;
  /** Whether the registry serves the referrers API, learnt once (it does not change per subject). */
  private referrersApi: Promise<boolean> | undefined;

  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
    private readonly opts: { sessions?: UploadSessions } = {},
  ) {
    this.name = `${client.registry}/${repository}`;
  }

  at(ref: { tag: string } | { digest: Digest }): ImageEndpoint {
    const reference = { registry: this.client.registry, repository: this.repository, ...ref };
    return new RegistryEndpoint(this.client, reference, this.opts);
  }

  async tagDigest(tag: string): Promise<Digest | undefined> {
    const head = await this.client.headManifest(this.repository, tag);
    if (!head) return undefined;
    return head.digest ?? (await this.client.getManifest(this.repository, tag)).digest;
  }

  referrers(digest: Digest): Promise<Descriptor[]> {
    return this.client.referrers(this.repository, digest);
  }

  async indexReferrer(subject: Digest, entry: Descriptor): Promise<void> {
    this.referrersApi ??= this.client.supportsReferrers(this.repository, subject);
    if (await this.referrersApi) return;
    await addToFallbackIndex(this.client, this.repository, subject, entry);
  }
}
