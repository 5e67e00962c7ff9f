import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import { parseManifest } from '../../oci/manifest.js';
import type {
  Approval,
  Promotion,
  PromotionGates,
  Revocation,
  StoredGates,
} from '../../ports/promotion-store.js';
import { projectOf } from '../policy/project.js';
import { currentActor } from '../registry/tag-writes.js';
import { isCosignTag } from '../supplychain/artifacts.js';
import { artifactOf, manifestOrAbsent, type PromotionServiceOptions } from './deps.js';
import { conflict, invalid, notFound } from './errors.js';
import { checkGates, isApprovalName } from './gates.js';
import { type PromoteRequest, type PromoteResult, Promoter } from './promote.js';
import { revokedError } from './revocations.js';

export interface RollbackResult {
  repository: string;
  tag: string;
  from: Digest | null;
  to: Digest;
}

export interface RevokeResult {
  revocation: Revocation;
  /** The `revoked-YYYYMMDD[-N]` tag now on the digest in this repository. */
  tag: string;
}

const REVOKED_TAG_ATTEMPTS = 100;

/** `revoked-20261202` for the UTC date of `at`. */
export function revokedTagBase(at: Date): string {
  return `revoked-${at.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** Promotion with gates, approvals, rollback to a last-known-good digest, and revocation. */
export class PromotionService {
  private readonly promoter: Promoter;

  constructor(private readonly o: PromotionServiceOptions) {
    this.promoter = new Promoter(o);
  }

  gates(project: string): Promise<StoredGates | undefined> {
    return this.o.store.gates(project);
  }

  /** Checks and stores a project's gates; false when the project does not exist. */
  setGates(project: string, gates: PromotionGates): Promise<boolean> {
    return this.o.store.setGates(project, checkGates(gates), currentActor());
  }

  /** Promotions into a project, newest first. */
  promotions(project: string, n: number): Promise<Promotion[]> {
    return this.o.store.promotions({ project, n });
  }

  /**
   * Lifts the lock of a promoted tag (the caller checked it is a system admin): the record goes, so
   * the tag may move or go again, e.g. before deleting the project. False: no such promotion here.
   */
  async unlock(project: string, id: number): Promise<boolean> {
    const p = await this.o.store.promotion(id);
    if (!p || projectOf(p.repository) !== project) return false;
    await this.o.store.forgetPromotion(id);
    this.o.onDecision?.({
      policy: 'promotion',
      action: 'unlock',
      repository: p.repository,
      decision: 'allow',
      reason: `the lock of ${p.repository}:${p.tag} (promotion ${id}) was lifted`,
      detail: { promotion: id, tag: p.tag, digest: p.digest, source: p.source },
    });
    return true;
  }

  promote(req: PromoteRequest): Promise<PromoteResult> {
    return this.promoter.promote(req);
  }

  /** Records the caller's approval of the artifact for promotion into `target` (idempotent). */
  async approve(repo: string, reference: string, a: { target: string; name: string; comment?: string }) {
    if (!isApprovalName(a.name))
      throw invalid(`approval name "${a.name.slice(0, 100)}" must be 1-64 of [a-z0-9._-]`, { field: 'name' });
    const { digest } = await artifactOf(this.o.registry, repo, reference);
    const approval: Approval = {
      digest,
      target: a.target,
      name: a.name,
      actor: currentActor(),
      comment: a.comment ?? null,
      at: new Date(),
    };
    return this.o.store.approve(approval);
  }

  async approvals(repo: string, reference: string): Promise<Approval[]> {
    const { digest } = await artifactOf(this.o.registry, repo, reference);
    return this.o.store.approvals(digest);
  }

  /**
   * Moves `tag` back to `digest`, which its history must show it pointed at before. Without a tag,
   * the one tag whose history holds the digest. Revoked digests are refused; immutable and promoted
   * tags are refused by the registry's own hooks.
   */
  async rollback(repo: string, digest: Digest, tag?: string): Promise<RollbackResult> {
    const held = (await this.o.store.tagsThatHeld(repo, digest)).filter((t) => !isCosignTag(t));
    const name = tag ?? this.onlyTag(repo, digest, held);
    if (!held.includes(name))
      throw conflict(`digest ${digest} never was tag ${name} of ${repo}`, {
        repository: repo,
        tag: name,
        digest,
      });
    await this.o.revoked.reload();
    const revocation = await this.o.revoked.get(digest);
    if (revocation) throw revokedError(revocation, repo, 403);
    const m = await manifestOrAbsent(this.o.registry, repo, digest);
    if (!m) throw conflict(`${repo}@${digest} is no longer stored`, { repository: repo, digest });
    const from = (await manifestOrAbsent(this.o.registry, repo, name))?.digest ?? null;
    if (from !== digest) await this.o.registry.manifests.put(repo, name, m.mediaType, m.body);
    const result = { repository: repo, tag: name, from, to: digest };
    this.o.onDecision?.({
      policy: 'rollback',
      action: 'rollback',
      repository: repo,
      decision: 'allow',
      reason: `rolled ${repo}:${name} back to ${digest}`,
      detail: { ...result },
    });
    return result;
  }

  private onlyTag(repo: string, digest: Digest, held: string[]): string {
    const candidates = held.filter((t) => !t.startsWith('revoked-'));
    if (candidates.length === 1 && candidates[0] !== undefined) return candidates[0];
    if (candidates.length === 0)
      throw conflict(`digest ${digest} never was a tag of ${repo}`, {
        repository: repo,
        digest,
      });
    throw invalid(`digest ${digest} was several tags of ${repo} (${candidates.join(', ')}): give the tag`, {
      field: 'tag',
      candidates,
    });
  }

  /**
   * Revokes the digest registry-wide (every repository holding it, and the children of an index),
   * and tags it `revoked-YYYYMMDD` here (`-2`, `-3`… when that tag holds another digest). Nothing is
   * deleted. Revoking again keeps the first record and tags this repository's copy too.
   */
  async revoke(repo: string, reference: string, reason: string): Promise<RevokeResult> {
    const m = await artifactOf(this.o.registry, repo, reference);
    const at = new Date();
    const actor = currentActor();
    const children = parseManifest(m.body, m.mediaType).manifests.map((c) => c.digest);
    const row = (digest: Digest, parent: Digest | null): Revocation => ({
      digest,
      parent,
      repository: repo,
      reason,
      actor,
      at,
    });
    await this.o.store.revoke([row(m.digest, null), ...children.map((c) => row(c, m.digest))]);
    await this.o.revoked.reload();
    const revocation = (await this.o.revoked.get(m.digest)) ?? row(m.digest, null);
    const tag = await this.tagRevoked(repo, m, at);
    this.o.onDecision?.({
      policy: 'revocation',
      action: 'revoke',
      repository: repo,
      decision: 'deny',
      reason: `revoked ${m.digest}: ${reason}`,
      detail: { digest: m.digest, children, tag, reason },
    });
    return { revocation, tag };
  }

  private async tagRevoked(repo: string, m: { digest: Digest; mediaType: string; body: Buffer }, at: Date) {
    const base = revokedTagBase(at);
    for (let i = 1; i <= REVOKED_TAG_ATTEMPTS; i++) {
      const tag = i === 1 ? base : `${base}-${i}`;
      const current = await manifestOrAbsent(this.o.registry, repo, tag);
      if (current?.digest === m.digest) return tag;
      if (current) continue;
      await this.o.registry.manifests.put(repo, tag, m.mediaType, m.body);
      return tag;
    }
    throw new RegistryError('WHARF_ERR_UNAVAILABLE', `every ${base}-N tag of ${repo} is taken`);
  }

  /** The revocation of a digest (fresh from the store), or undefined. */
  async revocation(digest: Digest): Promise<Revocation | undefined> {
    await this.o.revoked.reload();
    return this.o.revoked.get(digest);
  }

  /** Lifts a revocation (and its children's); 404 when the digest is not revoked. */
  async unrevoke(repo: string, digest: Digest): Promise<void> {
    if (!(await this.o.store.unrevoke(digest))) throw notFound(`${digest} is not revoked`, { digest });
    await this.o.revoked.reload();
    this.o.onDecision?.({
      policy: 'revocation',
      action: 'unrevoke',
      repository: repo,
      decision: 'allow',
      reason: `lifted the revocation of ${digest}`,
      detail: { digest },
    });
  }

  revocations(): Promise<Revocation[]> {
    return this.o.store.revocations();
  }
}
