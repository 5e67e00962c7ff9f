import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import type { ImmutabilityRule } from '../../ports/lifecycle-store.js';
import { projectOf } from '../policy/project.js';
import type { Admission, DeleteAdmission, TagMoveAdmission } from '../registry/admission.js';
import { isCosignTag } from '../supplychain/artifacts.js';
import { describeRule, nameInProject, ruleFor } from './rules.js';

/** Why a tag is locked regardless of rules (a promoted tag), for the refusal. */
export interface TagLock {
  /** `it was promoted from dev/app@sha256:… by alice on …` */
  message: string;
  detail: Record<string, unknown>;
}

export interface ImmutableTagsOptions {
  /** A project's rules (the store, read at each check: a change applies to the next push at once). */
  rules: (project: string) => Promise<readonly ImmutabilityRule[]>;
  /**
   * The tags of the indexes in the repository that list a manifest among theirs: a platform image
   * of an immutable multi-arch tag is frozen with it. Absent: only a manifest's own tags count.
   */
  indexTags?: (repo: string, digest: Digest) => Promise<{ index: Digest; tags: string[] }[]>;
  /** Tags locked by something other than a rule (promotion); asked only when a tag would move or go. */
  locked?: (repo: string, tag: string) => Promise<TagLock | undefined>;
}

/**
 * Tag immutability as admission hooks: a push that would move a tag a rule makes immutable to
 * another digest, a delete of such a tag, and a delete of a manifest such a tag points at, are
 * refused (403 DENIED naming the rule). Creating the tag, and pushing the same digest again, are
 * fine. Attachments are not frozen with their subject (goharbor/harbor#17332): cosign's
 * `sha256-<hex>.sig|att|sbom` tags (which cosign moves to add a signature) and referrers (manifests
 * with a `subject`) are never refused. The rules are only read when a tag would move or go.
 */
export class ImmutableTags implements Admission {
  constructor(private readonly o: ImmutableTagsOptions) {}

  async beforeTagMove(repo: string, move: TagMoveAdmission): Promise<void> {
    if (move.from === null || move.subject !== null || isCosignTag(move.tag)) return;
    const lock = await this.o.locked?.(repo, move.tag);
    if (lock)
      throw locked(`tag ${move.tag} of ${repo} is immutable: ${lock.message}; it cannot be moved`, lock);
    const rule = await this.ruleFor(repo, [move.tag]);
    if (!rule) return;
    throw refusal(
      rule.rule,
      `tag ${move.tag} of ${repo} is immutable (${describeRule(rule.rule)}): it cannot be moved to another digest`,
      { tag: move.tag, digest: move.to },
    );
  }

  async beforeDelete(repo: string, target: DeleteAdmission): Promise<void> {
    if (target.subject !== null) return;
    const lock = await this.lockOf(repo, target.tags);
    if (lock)
      throw locked(
        `tag ${lock.tag} of ${repo} is immutable: ${lock.lock.message}; it cannot be deleted`,
        lock.lock,
      );
    const rule = await this.ruleFor(repo, target.tags);
    if (!rule) {
      if (target.tag === undefined) await this.refuseIfInFrozenIndex(repo, target.digest);
      return;
    }
    const what = target.tag
      ? `tag ${rule.tag} of ${repo} is immutable`
      : `manifest ${target.digest} is tagged ${rule.tag}, which is immutable in ${repo}`;
    throw refusal(rule.rule, `${what} (${describeRule(rule.rule)}): it cannot be deleted`, {
      tag: rule.tag,
      digest: target.digest,
    });
  }

  /**
   * Why a tag may neither move nor go (a promotion's lock, or the rule selecting it), for callers
   * that skip such tags rather than be refused (retention); undefined: it is not frozen.
   */
  async frozen(repo: string, tag: string): Promise<string | undefined> {
    const lock = await this.lockOf(repo, [tag]);
    if (lock) return lock.lock.message;
    const rule = await this.ruleFor(repo, [tag]);
    return rule && `immutability ${describeRule(rule.rule)}`;
  }

  /** A platform image goes with its index: refused while an index holding it has a frozen tag. */
  private async refuseIfInFrozenIndex(repo: string, digest: Digest): Promise<void> {
    if (!this.o.indexTags) return;
    if (!this.o.locked && (await this.o.rules(projectOf(repo))).length === 0) return;
    for (const { index, tags } of await this.o.indexTags(repo, digest)) {
      const part = `manifest ${digest} is part of index ${index}, tagged`;
      const lock = await this.lockOf(repo, tags);
      if (lock)
        throw locked(
          `${part} ${lock.tag}, which is immutable: ${lock.lock.message}; it cannot be deleted`,
          lock.lock,
        );
      const rule = await this.ruleFor(repo, tags);
      if (!rule) continue;
      throw refusal(
        rule.rule,
        `${part} ${rule.tag}, which is immutable in ${repo} (${describeRule(rule.rule)}): it cannot be deleted`,
        { tag: rule.tag, digest },
      );
    }
  }

  /** The first of `tags` (cosign's own skipped) locked outside the rules, with its lock. */
  private async lockOf(
    repo: string,
    tags: readonly string[],
  ): Promise<{ tag: string; lock: TagLock } | undefined> {
    if (!this.o.locked) return undefined;
    for (const tag of tags.filter((t) => !isCosignTag(t))) {
      const lock = await this.o.locked(repo, tag);
      if (lock) return { tag, lock };
    }
    return undefined;
  }

  /** The first of `tags` (cosign's own skipped) a rule makes immutable, with that rule. */
  private async ruleFor(
    repo: string,
    tags: readonly string[],
  ): Promise<{ rule: ImmutabilityRule; tag: string } | undefined> {
    const candidates = tags.filter((t) => !isCosignTag(t));
    if (candidates.length === 0) return undefined;
    const project = projectOf(repo);
    const rules = await this.o.rules(project);
    if (rules.length === 0) return undefined;
    const path = nameInProject(project, repo);
    for (const tag of candidates) {
      const rule = ruleFor(rules, path, tag);
      if (rule) return { rule, tag };
    }
    return undefined;
  }
}

function refusal(
  rule: ImmutabilityRule,
  message: string,
  at: { tag: string; digest: Digest },
): RegistryError {
  return new RegistryError('DENIED', message, {
    detail: {
      policy: 'immutability',
      project: rule.project,
      rule: rule.id,
      repositories: rule.repositories,
      tags: rule.tags,
      tag: at.tag,
      digest: at.digest,
    },
  });
}

function locked(message: string, lock: TagLock): RegistryError {
  return new RegistryError('DENIED', message, { detail: lock.detail });
}
