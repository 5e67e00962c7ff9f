import type { Kysely } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { TagTimes } from '../../ports/lifecycle-store.js';
import type { Database } from './schema.js';

const CHUNK = 500;

/** What an artifact listing adds to each manifest: its tags with their times, and its labels. */
export interface ArtifactExtras {
  tags: Map<Digest, TagTimes[]>;
  labels: Map<Digest, Record<string, string>>;
}

function push<V>(map: Map<Digest, V[]>, key: Digest, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Two queries per chunk of 500 digests: the tags on them, and their labels. */
export async function artifactExtras(
  db: Kysely<Database>,
  repo: number,
  digests: readonly Digest[],
): Promise<ArtifactExtras> {
  const tags = new Map<Digest, TagTimes[]>();
  const pairs = new Map<Digest, [string, string][]>();
  const unique = [...new Set(digests)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const part = unique.slice(i, i + CHUNK);
    const tagRows = await db
      .selectFrom('tags')
      .select(['manifest_digest', 'name', 'pushed_at', 'pulled_at'])
      .where('repo_id', '=', repo)
      .where('manifest_digest', 'in', part)
      .orderBy('name')
      .execute();
    for (const t of tagRows) {
      push(tags, t.manifest_digest, {
        name: t.name,
        pushedAt: new Date(Number(t.pushed_at)),
        pulledAt: t.pulled_at === null ? null : new Date(Number(t.pulled_at)),
      });
    }
    const labelRows = await db
      .selectFrom('artifact_labels')
      .select(['manifest_digest', 'key', 'value'])
      .where('repo_id', '=', repo)
      .where('manifest_digest', 'in', part)
      .orderBy('key')
      .execute();
    for (const l of labelRows) push(pairs, l.manifest_digest, [l.key, l.value]);
  }
  const labels = new Map([...pairs].map(([d, kv]) => [d, Object.fromEntries(kv)]));
  return { tags, labels };
}
