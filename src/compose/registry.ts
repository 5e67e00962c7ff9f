import type { Config } from '../config/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { MetaStore } from '../ports/meta-store.js';
import type { AccessService } from '../services/access/index.js';
import type { Eventing } from '../services/events/index.js';
import { ImmutableTags } from '../services/lifecycle/index.js';
import { autoCreateProjects, projectOf, QuotaPolicy } from '../services/policy/index.js';
import { promotedTags } from '../services/promotion/index.js';
import { BlobService, combineAdmissions, createRegistry, type Registry } from '../services/registry/index.js';
import { createSupplyChain, type PullRefusal, type SupplyChain } from '../services/supplychain/index.js';

/**
 * The registry with what guards it: project auto-creation, quotas, provenance at push and tag
 * immutability (admission hooks), signature tracking and events (decorators), and the supply-chain
 * checks behind pulls.
 */
export function composeRegistry(o: {
  config: Config;
  blobs: BlobStore;
  meta: MetaStore;
  access: AccessService;
  eventing: Eventing;
  /** Proxy cache projects (compose/proxy.ts), over the undecorated registry. */
  proxy?: (registry: Registry) => Registry;
}): { registry: Registry; supplyChain: SupplyChain; immutable: ImmutableTags } {
  const { config, blobs, meta, access, eventing } = o;
  const proxied = o.proxy ?? ((registry: Registry) => registry);
  const quota = new QuotaPolicy({
    usage: meta.usage,
    quotaFor: async (project) => (await access.findProject(project))?.quotaBytes ?? null,
    manifestStored: async (repo, digest) => (await meta.manifests.getByDigest(repo, digest)) !== undefined,
  });
  const supplyChain = createSupplyChain({
    meta,
    // Its own small cache of signature layers: the registry's is for what clients pull.
    blobs: new BlobService({ blobs, meta, smallBlobCacheBytes: 8 * 1024 * 1024 }),
    rules: async (project) => (await access.findProject(project))?.supplyChain,
    mayPush: async (principal, repo) =>
      (await access.actionsOn(principal, projectOf(repo))).actions.has('push'),
    onRefused: (r: PullRefusal) =>
      void eventing.policyDecision({
        policy: 'signed-images',
        action: 'pull',
        repository: r.repository,
        reason: r.reason,
        detail: { digest: r.digest, reference: r.reference },
      }),
  });
  const immutable = new ImmutableTags({
    rules: (project) => meta.immutability.list(project),
    indexTags: async (repo, digest) => {
      const r = await meta.repos.get(repo);
      if (!r) return [];
      const parents = await meta.manifests.parents(r.id, digest);
      return Promise.all(
        parents.map(async (index) => ({ index, tags: await meta.tags.pointingAt(r.id, index) })),
      );
    },
    // A promoted tag is immutable whatever the rules say (services/promotion).
    locked: promotedTags(meta.promotion),
  });
  const admission = combineAdmissions(
    autoCreateProjects(access),
    quota,
    supplyChain.provenanceAtPush,
    immutable,
  );
  const registry = eventing.decorate(
    supplyChain.track(
      proxied(
        createRegistry({
          blobs,
          meta,
          maxManifestBytes: config.limits.maxManifestBytes,
          manifestCacheTtlMs: config.cache.manifestTtlSeconds * 1000,
          manifestCacheEntries: config.cache.manifestEntries,
          admission: eventing.decorateAdmission(admission),
        }),
      ),
    ),
  );
  return { registry, supplyChain, immutable };
}
