import type { ImmutabilityRule, Selector } from '../../ports/lifecycle-store.js';
import { GlobError, globMatches, globRegExp } from './glob.js';

/** At most this many immutability rules per project (Harbor allows 15). */
export const MAX_RULES = 50;
const MAX_PATTERN = 256;

/** Characters of repository names and tags, plus the glob's own. */
const CHARS = {
  repositories: /^[a-z0-9._/*?{},-]+$/,
  tags: /^[A-Za-z0-9._*?{},-]+$/,
} as const;

/** A rule that cannot be stored; the message names the field. */
export class RuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'RuleError';
  }
}

/** Checks one selector's pattern (length, characters, glob syntax); throws {@link RuleError}. */
export function checkSelector(field: keyof typeof CHARS, s: Selector): void {
  if (s.pattern.length === 0 || s.pattern.length > MAX_PATTERN)
    throw new RuleError(`${field}.pattern`, `must be 1 to ${MAX_PATTERN} characters`);
  if (!CHARS[field].test(s.pattern))
    throw new RuleError(
      `${field}.pattern`,
      `"${s.pattern.slice(0, 100)}" has characters no ${field === 'tags' ? 'tag' : 'repository name'} has`,
    );
  try {
    globRegExp(s.pattern);
  } catch (err) {
    if (err instanceof GlobError) throw new RuleError(`${field}.pattern`, err.message);
    throw err;
  }
}

export function selects(s: Selector, name: string): boolean {
  return globMatches(s.pattern, name) === (s.decoration === 'matching');
}

/** A repository's name as rules see it: without its `<project>/` prefix ('' for the project's own). */
export function nameInProject(project: string, repository: string): string {
  return repository === project ? '' : repository.slice(project.length + 1);
}

/** The first rule making `tag` immutable in the repository (`path`: its name in the project). */
export function ruleFor(
  rules: readonly ImmutabilityRule[],
  path: string,
  tag: string,
): ImmutabilityRule | undefined {
  return rules.find((r) => selects(r.repositories, path) && selects(r.tags, tag));
}

/** `rule 3 of project team: repositories matching **, tags matching v*` */
export function describeRule(r: ImmutabilityRule): string {
  return (
    `rule ${r.id} of project ${r.project}: repositories ${r.repositories.decoration} ` +
    `${r.repositories.pattern}, tags ${r.tags.decoration} ${r.tags.pattern}`
  );
}
