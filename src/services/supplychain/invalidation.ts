import type { DeleteExpectations, Registry } from '../registry/index.js';
import { isCosignTag } from './artifacts.js';
import type { SignatureChecker } from './checker.js';

/**
 * The registry, telling the checker when a repository's signatures may have changed: after a push
 * of a referrer (a manifest with a subject) or of a cosign tag, and after any manifest delete.
 * Other replicas see the change when their cached verdicts expire (5 s for failing ones).
 */
export function withSignatureTracking(registry: Registry, checker: SignatureChecker): Registry {
  const { manifests } = registry;
  const tracked = Object.assign(Object.create(manifests) as typeof manifests, {
    async put(repo: string, reference: string, contentType: string | undefined, body: Buffer) {
      const result = await manifests.put(repo, reference, contentType, body);
      if (result.subject || isCosignTag(reference)) checker.changed(repo);
      return result;
    },
    async delete(repo: string, reference: string, o?: DeleteExpectations) {
      const result = await manifests.delete(repo, reference, o);
      checker.changed(repo);
      return result;
    },
  });
  return { ...registry, manifests: tracked };
}
