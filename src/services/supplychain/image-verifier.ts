import { tryParseDigest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import { InvalidReferenceError, parseReference } from '../../oci/reference.js';
import type { ImageVerifier } from '../admission/verifier.js';
import type { Registry } from '../registry/index.js';
import type { SignatureChecker } from './checker.js';
import { trustedKeys } from './verify.js';

export interface LocalImageVerifierOptions {
  registry: Registry;
  checker: SignatureChecker;
  /** Hosts (host[:port], lower case) under which clusters pull from this registry. */
  hosts: readonly string[];
}

type Located = { repo: string } | { error: string };

/**
 * Admission's verifier for images this registry stores: tags resolve through the registry itself,
 * signatures and attestations are read from its own storage and checked with the policy's keys.
 * An image on another registry is an answer, not an exception: Wharf makes no outbound calls.
 */
export function localImageVerifier(o: LocalImageVerifierOptions): ImageVerifier {
  const hosts = new Set(o.hosts.map((h) => h.toLowerCase()));
  const locate = (image: string): Located => {
    try {
      const ref = parseReference(image);
      if (hosts.has(ref.registry.toLowerCase())) return { repo: ref.repository };
      const known = [...hosts].join(', ') || 'none configured';
      return {
        error: `${ref.registry} is not this registry (${known}); Wharf verifies the images it stores`,
      };
    } catch (err) {
      if (err instanceof InvalidReferenceError) return { error: err.message };
      throw err;
    }
  };
  const digestOf = (digest: string) => {
    const d = tryParseDigest(digest);
    if (!d) throw new Error(`invalid digest ${digest.slice(0, 100)}`);
    return d;
  };
  return {
    async resolve(image) {
      const where = locate(image);
      if ('error' in where) return where;
      const ref = parseReference(image);
      try {
        const m = await o.registry.manifests.get(where.repo, ref.digest ?? ref.tag ?? 'latest');
        return { digest: m.digest };
      } catch (err) {
        if (err instanceof RegistryError) return { error: `${image}: ${err.message}` };
        throw err;
      }
    },
    async verifySignature(image, digest, keys) {
      const where = locate(image);
      if ('error' in where) return { ok: false, reason: where.error };
      const check = await o.checker.signed(where.repo, digestOf(digest), trustedKeys(keys));
      return check.ok ? { ok: true, keyIndex: 0 } : check;
    },
    async attestations(image, digest, keys) {
      const where = locate(image);
      if ('error' in where) return where;
      return { statements: await o.checker.statements(where.repo, digestOf(digest), trustedKeys(keys)) };
    },
  };
}
