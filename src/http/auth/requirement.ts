import type { RepoAction } from '../../services/access/principal.js';
import type { RouteMatch } from '../distribution/routes.js';

/** What a /v2 request needs before its handler runs. */
export type Requirement =
  /** GET /v2/: only that the client is authenticated (an anonymous token counts). */
  | { kind: 'authenticated' }
  /** The catalog: never refused, filtered per principal. */
  | { kind: 'catalog' }
  /** Actions on match.name; `mountFrom` is a cross-repository mount's source (which needs pull). */
  | { kind: 'repository'; actions: RepoAction[]; mountFrom?: string };

const READ = new Set(['GET', 'HEAD']);

function repo(action: RepoAction, mountFrom?: string): Requirement {
  return mountFrom === undefined
    ? { kind: 'repository', actions: [action] }
    : { kind: 'repository', actions: [action], mountFrom };
}

/** The action a route and method need, as docker token scopes name them. */
export function requirementOf(match: RouteMatch, method: string, query: URLSearchParams): Requirement {
  switch (match.kind) {
    case 'base':
      return { kind: 'authenticated' };
    case 'catalog':
      return { kind: 'catalog' };
    case 'tags':
    case 'referrers':
      return repo('pull');
    case 'manifest':
    case 'blob':
      if (READ.has(method)) return repo('pull');
      return repo(method === 'DELETE' ? 'delete' : 'push');
    case 'uploads': {
      const from = query.get('from');
      return repo('push', query.get('mount') !== null && from ? from : undefined);
    }
    case 'upload':
      // Status of one's own upload is a read; PATCH/PUT continue it and DELETE abandons it.
      return repo(READ.has(method) ? 'pull' : 'push');
  }
}
