import { copyArtifact } from '../../client/copy-artifact.js';
import { RegistryError } from '../../oci/errors.js';
import type { GateResult, Promotion, PromotionGates } from '../../ports/promotion-store.js';
import { currentActor } from '../registry/tag-writes.js';
import { LocalRepository } from '../replication/local.js';
import { artifactOf, manifestOrAbsent, type PromotionServiceOptions } from './deps.js';
import { conflict, invalid } from './errors.js';
import { builtInChecks, evaluateGates, type GateInput, tagRefusal } from './gates.js';
import { describeRevocation } from './revocations.js';
import { isSemver } from './semver.js';
import { parseSource, repositoryIn, type SourceRef } from './source.js';

export interface PromoteRequest {
  target: string;
  source: string;
  tag?: string;
}

export interface PromoteResult {
  promotion: Promotion;
  /** false: the same digest had already been promoted to that tag (nothing was done). */
  created: boolean;
}

const noGates = (target: string) =>
  new RegistryError(
    'DENIED',
    `project ${target} accepts no promotions: its admins have set no promotion gates`,
    { detail: { policy: 'promotion', target, gates: [] } },
  );

function tagFor(src: SourceRef, requested: string | undefined, gates: PromotionGates): string {
  const tag = requested ?? (src.tag && isSemver(src.tag) ? src.tag : undefined);
  if (tag === undefined)
    throw invalid('give the tag to promote to: the source is not named by a semver tag', { field: 'tag' });
  const why = tagRefusal(gates, tag);
  if (why) throw invalid(`tag ${why}`, { field: 'tag' });
  return tag;
}

/**
 * Promotion: the source resolved to a digest once, every gate evaluated on that digest (all of
 * them reported), then the artifact copied by digest with every platform and attachment into
 * `<target>/<path>` through the registry, tagged, and the promotion recorded (which locks the tag).
 */
export class Promoter {
  constructor(private readonly o: PromotionServiceOptions) {}

  async promote(req: PromoteRequest): Promise<PromoteResult> {
    const src = parseSource(req.source);
    const stored = await this.o.store.gates(req.target);
    if (!stored) throw noGates(req.target);
    const gates: PromotionGates = stored;
    const manifest = await artifactOf(this.o.registry, src.repository, src.digest ?? src.tag ?? '');
    const { digest } = manifest;
    const tag = tagFor(src, req.tag, gates);
    const repository = repositoryIn(req.target, src.path);
    if (repository === src.repository) throw invalid(`${repository} is already in project ${req.target}`);
    const done = await this.alreadyPromoted(repository, tag, digest);
    if (done) return { promotion: await this.settled(done), created: false };
    const results = await this.evaluate(src, digest, req.target, tag, gates);
    const source = `${src.repository}@${digest}`;
    const summary = { source, digest, target: req.target, repository, tag, gates: results };
    const failing = results.filter((r) => !r.ok);
    if (failing.length > 0) throw this.refuse(failing, summary);
    const claimed = await this.claim({
      repository,
      tag,
      digest,
      source,
      actor: currentActor(),
      at: new Date(),
      gates: results,
    });
    if (!claimed.created) return { promotion: await this.settled(claimed.promotion), created: false };
    await this.produce(claimed.promotion, src.repository, manifest);
    this.decide('allow', repository, `promoted ${source} to ${repository}:${tag}`, summary);
    return claimed;
  }

  /** The refusal, every failing gate named (and the decision recorded). */
  private refuse(failing: GateResult[], summary: { source: string; repository: string; tag: string }) {
    const names = failing.map((r) => r.gate).join(', ');
    const reasons = failing.map((r) => `${r.gate}: ${r.reason}`).join('; ');
    const reason = `promotion of ${summary.source} to ${summary.repository}:${summary.tag} refused by ${names} — ${reasons}`;
    this.decide('deny', summary.repository, reason, summary);
    return new RegistryError('DENIED', reason, { detail: { policy: 'promotion', ...summary } });
  }

  /**
   * A promotion another request may still be copying: answered only once its tag is there, so a
   * caller told "already promoted" can pull it. Its claim gone meanwhile: that copy failed.
   */
  private async settled(p: Promotion): Promise<Promotion> {
    const deadline = Date.now() + (this.o.settleTimeoutMs ?? 60_000);
    for (;;) {
      const tagged = await manifestOrAbsent(this.o.registry, p.repository, p.tag);
      if (tagged?.digest === p.digest) return p;
      if ((await this.o.store.promotionOf(p.repository, p.tag))?.id !== p.id)
        throw new RegistryError(
          'WHARF_ERR_UNAVAILABLE',
          `a concurrent promotion to ${p.repository}:${p.tag} failed; try again`,
        );
      if (Date.now() >= deadline)
        throw new RegistryError(
          'WHARF_ERR_UNAVAILABLE',
          `the promotion to ${p.repository}:${p.tag} is still copying; try again`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Copies and tags what a claimed promotion names; a failure forgets the claim. */
  private async produce(p: Promotion, from: string, m: { mediaType: string; body: Buffer }): Promise<void> {
    try {
      await this.copy(from, p.repository, p.digest);
      await this.o.registry.manifests.put(p.repository, p.tag, m.mediaType, m.body);
    } catch (err) {
      await this.o.store.forgetPromotion(p.id);
      throw err;
    }
  }

  /**
   * Records the promotion before anything is copied: its unique (repository, tag) key is the lock, so
   * of two concurrent promotions to one tag only one copies, and a push racing in is refused as a move.
   * When another got there first: that one (same digest), or a conflict.
   */
  private async claim(p: Omit<Promotion, 'id'>): Promise<PromoteResult> {
    try {
      return { promotion: await this.o.store.recordPromotion(p), created: true };
    } catch (err) {
      const other = await this.o.store.promotionOf(p.repository, p.tag);
      if (!other) throw err;
      if (other.digest === p.digest) return { promotion: other, created: false };
      throw conflict(`tag ${p.tag} of ${p.repository} was just promoted from ${other.source}`, {
        repository: p.repository,
        tag: p.tag,
        digest: other.digest,
      });
    }
  }

  /** The earlier promotion of this digest to this tag; a conflict when the tag is someone else's. */
  private async alreadyPromoted(repository: string, tag: string, digest: string) {
    const earlier = await this.o.store.promotionOf(repository, tag);
    if (earlier?.digest === digest) return earlier;
    const current = earlier?.digest ?? (await manifestOrAbsent(this.o.registry, repository, tag))?.digest;
    if (current !== undefined && current !== digest) {
      const by = earlier ? ` (promoted from ${earlier.source} by ${earlier.actor.name})` : '';
      throw conflict(`tag ${tag} of ${repository} already points at ${current}${by}`, {
        repository,
        tag,
        digest: current,
      });
    }
    return undefined;
  }

  private async evaluate(
    src: SourceRef,
    digest: GateInput['digest'],
    target: string,
    tag: string,
    gates: PromotionGates,
  ): Promise<GateResult[]> {
    await this.o.revoked.reload();
    const revocation = await this.o.revoked.get(digest);
    const input: GateInput = {
      sourceRepository: src.repository,
      sourceProject: src.project,
      digest,
      target,
      tag,
      gates,
      trustedKeys: (await this.o.supplyChain(target))?.trustedKeys ?? [],
      approvals: await this.o.store.approvals(digest, target),
    };
    const checks = [...builtInChecks(this.o.evidence), ...(this.o.checks ?? [])];
    const notRevoked: GateResult = revocation
      ? { gate: 'not-revoked', ok: false, reason: describeRevocation(revocation) }
      : { gate: 'not-revoked', ok: true, reason: `${digest} is not revoked` };
    return [notRevoked, ...(await evaluateGates(checks, input))];
  }

  private async copy(from: string, to: string, digest: GateInput['digest']): Promise<void> {
    const local = { registry: this.o.registry, chunkSize: this.o.chunkSize ?? 16 * 1024 * 1024 };
    await copyArtifact(new LocalRepository(local, from), new LocalRepository(local, to), { digest });
  }

  private decide(
    decision: 'allow' | 'deny',
    repository: string,
    reason: string,
    detail: Record<string, unknown>,
  ) {
    this.o.onDecision?.({ policy: 'promotion', action: 'promote', repository, decision, reason, detail });
  }
}
