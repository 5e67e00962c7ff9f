import { existsSync } from 'node:fs';

/**
 * Whether a real client the tests drive (skopeo, podman, buildah, docker-registry) is installed.
 * Outside CI a missing one skips its tests; with WHARF_REQUIRE_TOOLS=1 (set by .ci/run, which installs
 * them) it fails loudly instead, so a broken install can never turn those tests into silent skips.
 */
export function hasTool(path: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.WHARF_REQUIRE_TOOLS === '1')
    throw new Error(`${path} is not installed, and WHARF_REQUIRE_TOOLS=1 forbids skipping its tests`);
  return false;
}
