import type { Actor } from '../../../ports/lifecycle-store.js';

/** A stored record as the API shows it: the actor by name. */
export function view<T extends { actor: Actor }>(r: T): Omit<T, 'actor'> & { actor: string } {
  return { ...r, actor: r.actor.name };
}
