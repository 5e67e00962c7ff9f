import type { PromotionStore } from '../../ports/promotion-store.js';
import type { TagLock } from '../lifecycle/immutability.js';

/**
 * ImmutableTags' `locked` source: a tag a promotion produced never moves and never goes (the
 * refusal names the promotion). One indexed lookup, made only when a tag would move or be deleted.
 */
export function promotedTags(store: Pick<PromotionStore, 'promotionOf'>) {
  return async (repo: string, tag: string): Promise<TagLock | undefined> => {
    const p = await store.promotionOf(repo, tag);
    if (!p) return undefined;
    return {
      message: `it was promoted from ${p.source} by ${p.actor.name} on ${p.at.toISOString()}`,
      detail: {
        policy: 'promotion',
        repository: repo,
        tag,
        digest: p.digest,
        promotion: p.id,
        source: p.source,
      },
    };
  };
}
