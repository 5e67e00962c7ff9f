import type { Kysely, Transaction } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { Actor, TagAction, TagHistoryEntry } from '../../ports/lifecycle-store.js';
import type { Database } from './schema.js';

export const SYSTEM_ACTOR: Actor = { name: 'system', kind: 'system' };

export interface TagChange {
  repoId: number;
  tag: string;
  action: TagAction;
  from: Digest | null;
  to: Digest | null;
  actor: Actor | undefined;
  at: number;
}

/** Appends changes to tags' history, inside the transaction that makes them. */
export async function recordTagChanges(
  trx: Transaction<Database>,
  changes: readonly TagChange[],
): Promise<void> {
  if (changes.length === 0) return;
  await trx
    .insertInto('tag_history')
    .values(
      changes.map((c) => {
        const actor = c.actor ?? SYSTEM_ACTOR;
        return {
          repo_id: c.repoId,
          tag: c.tag,
          action: c.action,
          from_digest: c.from,
          to_digest: c.to,
          actor: actor.name,
          actor_kind: actor.kind,
          occurred_at: c.at,
        };
      }),
    )
    .execute();
}

/** A tag's history, newest first (by id), below `page.before`; undefined when the repository does not exist. */
export async function tagHistory(
  db: Kysely<Database>,
  repoName: string,
  tag: string,
  page: { before?: number; n: number },
): Promise<TagHistoryEntry[] | undefined> {
  const repo = await db
    .selectFrom('repositories')
    .select('id')
    .where('name', '=', repoName)
    .executeTakeFirst();
  if (!repo) return undefined;
  const { before } = page;
  const rows = await db
    .selectFrom('tag_history')
    .selectAll()
    .where('repo_id', '=', repo.id)
    .where('tag', '=', tag)
    .$if(before !== undefined, (q) => q.where('id', '<', before ?? 0))
    .orderBy('id', 'desc')
    .limit(page.n)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    tag: r.tag,
    action: r.action as TagAction,
    from: r.from_digest,
    to: r.to_digest,
    actor: { name: r.actor, kind: r.actor_kind as Actor['kind'] },
    at: new Date(Number(r.occurred_at)),
  }));
}
