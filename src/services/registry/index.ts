import type { BlobStore } from '../../ports/blob-store.js';
import type { MetaStore } from '../../ports/meta-store.js';
import type { Admission } from './admission.js';
import { BlobService } from './blobs.js';
import { ListingService } from './listing.js';
import { ManifestService } from './manifests.js';
import { UploadService } from './uploads.js';

export {
  type Admission,
  combineAdmissions,
  type DeleteAdmission,
  type ManifestAdmission,
  type TagMoveAdmission,
} from './admission.js';
export { BlobService, type BlobView } from './blobs.js';
export { type Listing, ListingService } from './listing.js';
export {
  type DeleteExpectations,
  ManifestService,
  type PutManifestResult,
  type ReferrersIndex,
} from './manifests.js';
export { type ChunkOptions, rangeHeaders, UploadService, type UploadState } from './uploads.js';

/** The registry domain: the only writer of repositories, blobs, manifests and tags. */
export interface Registry {
  blobs: BlobService;
  uploads: UploadService;
  manifests: ManifestService;
  listing: ListingService;
}

export interface RegistryOptions {
  blobs: BlobStore;
  meta: MetaStore;
  maxManifestBytes: number;
  manifestCacheTtlMs: number;
  manifestCacheEntries: number;
  admission?: Admission;
}

export function createRegistry(o: RegistryOptions): Registry {
  return {
    blobs: new BlobService(o),
    uploads: new UploadService(o),
    manifests: new ManifestService({
      meta: o.meta,
      maxManifestBytes: o.maxManifestBytes,
      cacheTtlMs: o.manifestCacheTtlMs,
      cacheEntries: o.manifestCacheEntries,
      ...(o.admission ? { admission: o.admission } : {}),
    }),
    listing: new ListingService(o),
  };
}
