export { type Credentials, parseChallenges, repoScope } from './auth.js';
export { isRegistryClientError, RegistryClientError } from './errors.js';
export {
  type Descriptor,
  formatPlatform,
  type ManifestInfo,
  type Platform,
  readManifest,
} from './manifest.js';
export {
  apiHost,
  isLocalRegistry,
  type ManifestHead,
  type ManifestResult,
  RegistryClient,
  type RegistryClientOptions,
} from './registry-client.js';
export type { BlobSource, UploadOptions, UploadResult } from './upload.js';
export { DigestMismatchError, verifyingStream } from './verify.js';
