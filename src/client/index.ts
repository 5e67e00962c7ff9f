export { type Credentials, parseChallenges, repoScope } from './auth.js';
export { type CopyOptions, type CopyProgress, type CopyResult, copyImage } from './copy.js';
export {
  type ArtifactCopyOptions,
  type ArtifactCopyResult,
  type AttachmentCopy,
  copyArtifact,
  type RepositoryEndpoint,
} from './copy-artifact.js';
export {
  dockerConfigPath,
  normalizeRegistryKey,
  readCredentials,
  removeCredentials,
  storeCredentials,
} from './docker-config.js';
export {
  formatImageLocation,
  type ImageEndpoint,
  type ImageLocation,
  LayoutEndpoint,
  parseImageLocation,
  RegistryEndpoint,
  type UploadSessions,
} from './endpoints.js';
export { isRegistryClientError, RegistryClientError } from './errors.js';
export {
  type Descriptor,
  formatPlatform,
  MANIFEST_ACCEPT,
  ManifestFormatError,
  type ManifestInfo,
  type Platform,
  readManifest,
} from './manifest.js';
export { OciLayout, OciLayoutError, REF_NAME_ANNOTATION } from './oci-layout.js';
export {
  apiHost,
  isLocalRegistry,
  type ManifestHead,
  type ManifestResult,
  RegistryClient,
  type RegistryClientOptions,
} from './registry-client.js';
export { RegistryRepository } from './registry-repository.js';
export {
  guardedLookup,
  isInternalHost,
  isPrivateAddress,
  redirectAllowed,
  resolvesInternal,
} from './ssrf.js';
export type { BlobSource, UploadOptions, UploadResult, UploadSession } from './upload.js';
export { DigestMismatchError, verifyingStream } from './verify.js';
