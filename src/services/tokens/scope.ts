import type { RepoAction } from '../access/principal.js';

/** One entry of a token request's `scope` (and of the JWT `access` claim). */
export interface Scope {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** What a granted repository scope may carry; `*` is docker's "everything I may do". */
const REPO_ACTIONS: ReadonlySet<string> = new Set<RepoAction>(['pull', 'push', 'delete', 'list']);

export function isRepoAction(a: string): a is RepoAction {
  return REPO_ACTIONS.has(a);
}

/**
 * Parses one docker scope, `repository:team/app:pull,push`, `repository(plugin):name:pull` or
 * `registry:catalog:*`. Names may contain `:` only as the last separator's left side (a port never
 * appears in a repository name), so the type is before the first colon and the actions after the last.
 * Returns undefined for anything else (unknown types are ignored, as distribution does).
 */
export function parseScope(raw: string): Scope | undefined {
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  if (first <= 0 || last <= first + 1) return undefined;
  const type = raw.slice(0, first).replace(/\(.*\)$/, '');
  if (type !== 'repository' && type !== 'registry') return undefined;
  const name = raw.slice(first + 1, last);
  const actions = [
    ...new Set(
      raw
        .slice(last + 1)
        .split(',')
        .filter((a) => a !== ''),
    ),
  ];
  return actions.length === 0 ? undefined : { type, name, actions };
}

/**
 * All scopes of a request: several `scope` parameters and space-separated lists in one (the OAuth2
 * form), merged per (type, name).
 */
export function parseScopes(values: readonly string[]): Scope[] {
  const merged = new Map<string, Scope>();
  for (const raw of values.flatMap((v) => v.split(' '))) {
    const scope = parseScope(raw.trim());
    if (!scope) continue;
    const key = `${scope.type}:${scope.name}`;
    const seen = merged.get(key);
    if (seen) seen.actions = [...new Set([...seen.actions, ...scope.actions])];
    else merged.set(key, scope);
  }
  return [...merged.values()];
}

export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}
