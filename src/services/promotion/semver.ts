/** `v?MAJOR.MINOR.PATCH[-pre][+build]` (semver 2.0.0, with Docker's tag characters: `+` is not one). */
const SEMVER_RE =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * Whether a tag is a semantic version. A tag cannot hold `+` (OCI tags are `[A-Za-z0-9_.-]`), so
 * build metadata only ever appears in the pattern, never in a tag this registry stores.
 */
export function isSemver(tag: string): boolean {
  return SEMVER_RE.test(tag);
}

export const SEMVER_DESCRIPTION = 'a semantic version (v?MAJOR.MINOR.PATCH[-pre])';
