/** Who is asking. Every request resolves to exactly one principal; anonymous is a principal too. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: number; name: string; admin: boolean }
  | { kind: 'robot'; id: number; name: string; permissions: RobotPermission[] };

/** Actions on repositories, as docker token scopes name them (plus `list` for catalog/tag listing). */
export type RepoAction = 'pull' | 'push' | 'delete' | 'list';

/** Project-level actions: repository actions plus managing the project (members, robots, webhooks, settings). */
export type ProjectAction = RepoAction | 'manage';

/** Harbor's project roles. */
export type Role = 'projectAdmin' | 'maintainer' | 'developer' | 'guest' | 'limitedGuest';

export interface RobotPermission {
  /** Project name, or '*' for every project (system-level robots only). */
  project: string;
  actions: RepoAction[];
}

export function principalName(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : p.name;
}
