import type { Actor } from '../../../ports/lifecycle-store.js';
import { PromotionConflictError } from '../../../services/promotion/index.js';
import { conflict } from '../errors.js';

/** A stored record as the API shows it: the actor by name. */
export function view<T extends { actor: Actor }>(r: T): Omit<T, 'actor'> & { actor: string } {
  return { ...r, actor: r.actor.name };
}

/** The promotion service's conflicts become the API's 409 with their detail. */
export async function conflicts<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof PromotionConflictError) throw conflict(err.message, err.detail);
    throw err;
  }
}
