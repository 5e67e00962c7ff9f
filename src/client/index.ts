export { type Credentials, parseChallenges, repoScope } from './auth.js';
export { type CopyOptions, type CopyProgress, type CopyResult, copyImage } from './copy.js';
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
export type { BlobSource, UploadOptions, UploadResult } from './upload.js';
export { DigestMismatchError, verifyingStream } from './verify.js';
