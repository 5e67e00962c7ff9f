import { RegistryError } from '../../oci/errors.js';
import type { Actor } from '../../ports/lifecycle-store.js';
import { TagChangedError } from '../../ports/meta-store.js';
import { requestContext } from '../context.js';

const ATTEMPTS = 5;

/**
 * Who is writing, for the tag history: the request's principal, or `system` for work outside any
 * request (retention, replication jobs).
 */
export function currentActor(): Actor {
  const ctx = requestContext.getStore();
  if (!ctx) return { name: 'system', kind: 'system' };
  const p = ctx.principal;
  return p.kind === 'anonymous' ? { name: 'anonymous', kind: 'anonymous' } : { name: p.name, kind: p.kind };
}

/**
 * Runs a read → admission check → conditional write round again when the store reports that the
 * tags changed between the read and the write (each round re-reads and asks the hooks again), so
 * what the hooks allowed is exactly what is written.
 */
export async function retryOnTagChange<T>(round: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await round();
    } catch (err) {
      if (!(err instanceof TagChangedError)) throw err;
      if (attempt >= ATTEMPTS) {
        throw new RegistryError('WHARF_ERR_UNAVAILABLE', 'the tags kept changing concurrently; try again', {
          cause: err,
        });
      }
    }
  }
}
