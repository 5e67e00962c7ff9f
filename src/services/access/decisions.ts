import type { ProjectRecord } from '../../ports/access-store.js';
import type { AccessContext } from './context.js';
import { allowedActions, PROJECT_ACTIONS } from './permissions.js';
import type { Principal, ProjectAction } from './principal.js';

const isAdmin = (p: Principal) => p.kind === 'user' && p.admin;
const PAGE = 500;

/** Answers "what may this principal do here" and "which projects may it see", from cached lookups. */
export class Decisions {
  constructor(private readonly ctx: AccessContext) {}

  /**
   * The project (undefined when it does not exist) and what the principal may do on it. On a
   * project that does not exist only a system admin may do anything (its first push creates it);
   * everyone else gets nothing, exactly as on a private project they have no part in.
   */
  async actionsOn(
    principal: Principal,
    projectName: string,
  ): Promise<{ project: ProjectRecord | undefined; actions: Set<ProjectAction> }> {
    const project = await this.ctx.project(projectName);
    if (!project) return { project, actions: new Set(isAdmin(principal) ? PROJECT_ACTIONS : []) };
    const role =
      principal.kind === 'user' && !principal.admin
        ? await this.ctx.role(project.id, principal.id)
        : undefined;
    return { project, actions: allowedActions(principal, project, role) };
  }

  /**
   * The names of the projects whose repositories the principal may see in `_catalog`: public ones,
   * ones it is a member of, ones a robot holds permissions on; 'all' for a system admin.
   */
  async visibleProjects(principal: Principal): Promise<Set<string> | 'all'> {
    if (isAdmin(principal)) return 'all';
    const out = new Set(await this.publicProjects());
    if (principal.kind === 'user') {
      for (const { project } of await this.ctx.store.members.projectsOf(principal.id)) out.add(project.name);
    }
    if (principal.kind === 'robot') {
      const named = principal.permissions.filter((p) => p.actions.length > 0).map((p) => p.project);
      if (named.includes('*')) for (const p of await this.allProjects()) out.add(p.name);
      for (const name of named) if (name !== '*' && (await this.ctx.project(name))) out.add(name);
    }
    return out;
  }

  private async publicProjects(): Promise<string[]> {
    const hit = this.ctx.publicProjects.get('public');
    if (hit) return hit.value;
    const generation = this.ctx.generation;
    const names = (await this.allProjects(true)).map((p) => p.name);
    if (generation === this.ctx.generation) this.ctx.publicProjects.set('public', names);
    return names;
  }

  private async allProjects(onlyPublic?: boolean): Promise<ProjectRecord[]> {
    const out: ProjectRecord[] = [];
    for (let last: string | undefined; ; ) {
      const page = await this.ctx.store.projects.list({
        n: PAGE,
        ...(last === undefined ? {} : { last }),
        ...(onlyPublic === undefined ? {} : { public: onlyPublic }),
      });
      out.push(...page);
      if (page.length < PAGE) return out;
      last = page.at(-1)?.name;
    }
  }
}
