import type { Kysely } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { ActivityStore, ArtifactTimes, PullTime, TagTimes } from '../../ports/lifecycle-store.js';
import type { Database } from './schema.js';

const CHUNK = 500;

const dateOrNull = (v: number | string | null) => (v === null ? null : new Date(Number(v)));

/**
 * The latest time per key, in key order: every writer then locks rows in the same order (manifests,
 * then tags, each sorted), so two replicas' batches cannot deadlock on PostgreSQL.
 */
function latest(pulls: readonly PullTime[], key: (p: PullTime) => string | undefined): [string, number][] {
  const out = new Map<string, number>();
  for (const p of pulls) {
    const k = key(p);
    if (k !== undefined && (out.get(k) ?? -1) < p.at) out.set(k, p.at);
  }
  return [...out].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

/** Push and pull times of manifests and tags. */
export class SqlActivityStore implements ActivityStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** One transaction: an update per distinct manifest and per distinct (tag, digest), each only raising. */
  async recordPulls(pulls: readonly PullTime[]): Promise<void> {
    if (pulls.length === 0) return;
    const manifests = latest(pulls, (p) => `${p.repository}\0${p.digest}`);
    const tags = latest(pulls, (p) =>
      p.tag === undefined ? undefined : `${p.repository}\0${p.digest}\0${p.tag}`,
    );
    const ids = await this.repoIds([...new Set(pulls.map((p) => p.repository))]);
    await this.db.transaction().execute(async (trx) => {
      for (const [key, at] of manifests) {
        const [repo = '', digest = ''] = key.split('\0');
        const repoId = ids.get(repo);
        if (repoId === undefined) continue;
        await trx
          .updateTable('manifests')
          .set({ pulled_at: at })
          .where('repo_id', '=', repoId)
          .where('digest', '=', digest as Digest)
          .where((eb) => eb.or([eb('pulled_at', 'is', null), eb('pulled_at', '<', at)]))
          .execute();
      }
      for (const [key, at] of tags) {
        const [repo = '', digest = '', tag = ''] = key.split('\0');
        const repoId = ids.get(repo);
        if (repoId === undefined) continue;
        await trx
          .updateTable('tags')
          .set({ pulled_at: at })
          .where('repo_id', '=', repoId)
          .where('name', '=', tag)
          .where('manifest_digest', '=', digest as Digest)
          .where((eb) => eb.or([eb('pulled_at', 'is', null), eb('pulled_at', '<', at)]))
          .execute();
      }
    });
  }

  async artifacts(repository: string): Promise<ArtifactTimes[] | undefined> {
    const repo = (await this.repoIds([repository])).get(repository);
    if (repo === undefined) return undefined;
    const manifests = await this.db
      .selectFrom('manifests')
      .select(['digest', 'subject', 'created_at', 'pushed_at', 'pulled_at'])
      .where('repo_id', '=', repo)
      .orderBy('digest')
      .execute();
    const tags = await this.db
      .selectFrom('tags')
      .select(['name', 'manifest_digest', 'pushed_at', 'pulled_at'])
      .where('repo_id', '=', repo)
      .orderBy('name')
      .execute();
    const byDigest = new Map<Digest, TagTimes[]>();
    for (const t of tags) {
      const list = byDigest.get(t.manifest_digest) ?? [];
      list.push({ name: t.name, pushedAt: new Date(Number(t.pushed_at)), pulledAt: dateOrNull(t.pulled_at) });
      byDigest.set(t.manifest_digest, list);
    }
    return manifests.map((m) => ({
      digest: m.digest,
      subject: m.subject,
      createdAt: new Date(Number(m.created_at)),
      pushedAt: new Date(Number(m.pushed_at)),
      pulledAt: dateOrNull(m.pulled_at),
      tags: byDigest.get(m.digest) ?? [],
    }));
  }

  private async repoIds(names: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < names.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('repositories')
        .select(['id', 'name'])
        .where('name', 'in', names.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.set(r.name, r.id);
    }
    return out;
  }
}
