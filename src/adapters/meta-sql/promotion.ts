import type { Kysely, Selectable } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { Actor } from '../../ports/lifecycle-store.js';
import type {
  Approval,
  GateResult,
  Promotion,
  PromotionGates,
  PromotionStore,
  Revocation,
  StoredGates,
} from '../../ports/promotion-store.js';
import type { Database } from './schema.js';
import type { PromotionsTable } from './schema-promotion.js';

const actorOf = (name: string, kind: string): Actor => ({ name, kind: kind as Actor['kind'] });

function toPromotion(r: Selectable<PromotionsTable>): Promotion {
  return {
    id: Number(r.id),
    repository: r.repository,
    tag: r.tag,
    digest: r.digest,
    source: r.source,
    actor: actorOf(r.actor, r.actor_kind),
    at: new Date(Number(r.promoted_at)),
    gates: JSON.parse(r.gates) as GateResult[],
  };
}

/** Gates, approvals, the promotion log and revocations over Kysely (both dialects). */
export class SqlPromotionStore implements PromotionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async gates(project: string): Promise<StoredGates | undefined> {
    const row = await this.db
      .selectFrom('promotion_gates')
      .innerJoin('projects', 'projects.id', 'promotion_gates.project_id')
      .select(['gates', 'updated_by', 'updated_at'])
      .where('projects.name', '=', project)
      .executeTakeFirst();
    if (!row) return undefined;
    const gates = JSON.parse(row.gates) as PromotionGates;
    return { ...gates, project, updatedBy: row.updated_by, updatedAt: new Date(Number(row.updated_at)) };
  }

  async setGates(project: string, gates: PromotionGates, actor: Actor): Promise<boolean> {
    const p = await this.db
      .selectFrom('projects')
      .select('id')
      .where('name', '=', project)
      .executeTakeFirst();
    if (!p) return false;
    const values = { gates: JSON.stringify(gates), updated_by: actor.name, updated_at: Date.now() };
    await this.db
      .insertInto('promotion_gates')
      .values({ project_id: p.id, ...values })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
      .execute();
    return true;
  }

  async approve(a: Approval): Promise<Approval> {
    await this.db
      .insertInto('promotion_approvals')
      .values({
        digest: a.digest,
        target: a.target,
        name: a.name,
        actor: a.actor.name,
        actor_kind: a.actor.kind,
        comment: a.comment,
        approved_at: a.at.getTime(),
      })
      .onConflict((oc) => oc.columns(['digest', 'target', 'name', 'actor']).doNothing())
      .execute();
    const mine = (await this.approvals(a.digest, a.target)).find(
      (x) => x.name === a.name && x.actor.name === a.actor.name,
    );
    return mine ?? a;
  }

  async approvals(digest: Digest, target?: string): Promise<Approval[]> {
    let q = this.db.selectFrom('promotion_approvals').selectAll().where('digest', '=', digest);
    if (target !== undefined) q = q.where('target', '=', target);
    const rows = await q.orderBy('approved_at').orderBy('name').execute();
    return rows.map((r) => ({
      digest: r.digest,
      target: r.target,
      name: r.name,
      actor: actorOf(r.actor, r.actor_kind),
      comment: r.comment,
      at: new Date(Number(r.approved_at)),
    }));
  }

  async recordPromotion(p: Omit<Promotion, 'id'>): Promise<Promotion> {
    const row = await this.db
      .insertInto('promotions')
      .values({
        repository: p.repository,
        tag: p.tag,
        digest: p.digest,
        source: p.source,
        actor: p.actor.name,
        actor_kind: p.actor.kind,
        promoted_at: p.at.getTime(),
        gates: JSON.stringify(p.gates),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toPromotion(row);
  }

  async forgetPromotion(id: number): Promise<void> {
    await this.db.deleteFrom('promotions').where('id', '=', id).execute();
  }

  async promotion(id: number): Promise<Promotion | undefined> {
    const row = await this.db.selectFrom('promotions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPromotion(row) : undefined;
  }

  async promotionOf(repository: string, tag: string): Promise<Promotion | undefined> {
    const row = await this.db
      .selectFrom('promotions')
      .selectAll()
      .where('repository', '=', repository)
      .where('tag', '=', tag)
      .executeTakeFirst();
    return row ? toPromotion(row) : undefined;
  }

  async promotions(q: { project?: string; n: number }): Promise<Promotion[]> {
    let query = this.db.selectFrom('promotions').selectAll();
    const p = q.project;
    // `p` itself and `p/…` (byte order: '0' follows '/'), without LIKE's wildcards.
    if (p !== undefined)
      query = query.where((eb) =>
        eb.or([
          eb('repository', '=', p),
          eb.and([eb('repository', '>', `${p}/`), eb('repository', '<', `${p}0`)]),
        ]),
      );
    const rows = await query.orderBy('id', 'desc').limit(q.n).execute();
    return rows.map(toPromotion);
  }

  async revoke(rows: readonly Revocation[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('revocations')
      .values(
        rows.map((r) => ({
          digest: r.digest,
          parent_digest: r.parent,
          repository: r.repository,
          reason: r.reason,
          actor: r.actor.name,
          actor_kind: r.actor.kind,
          revoked_at: r.at.getTime(),
        })),
      )
      .onConflict((oc) => oc.column('digest').doNothing())
      .execute();
  }

  async unrevoke(digest: Digest): Promise<boolean> {
    const r = await this.db
      .deleteFrom('revocations')
      .where((eb) => eb.or([eb('digest', '=', digest), eb('parent_digest', '=', digest)]))
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async revocations(): Promise<Revocation[]> {
    const rows = await this.db.selectFrom('revocations').selectAll().orderBy('revoked_at').execute();
    return rows.map((r) => ({
      digest: r.digest,
      parent: r.parent_digest,
      repository: r.repository,
      reason: r.reason,
      actor: actorOf(r.actor, r.actor_kind),
      at: new Date(Number(r.revoked_at)),
    }));
  }

  async tagsThatHeld(repository: string, digest: Digest): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tag_history')
      .innerJoin('repositories', 'repositories.id', 'tag_history.repo_id')
      .select('tag_history.tag')
      .distinct()
      .where('repositories.name', '=', repository)
      .where('tag_history.to_digest', '=', digest)
      .orderBy('tag_history.tag')
      .execute();
    return rows.map((r) => r.tag);
  }
}
