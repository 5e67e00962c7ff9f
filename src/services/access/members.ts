import type { MemberRecord } from '../../ports/access-store.js';
import type { AccessContext } from './context.js';
import { AccessError, invalid } from './errors.js';
import { isRole } from './permissions.js';
import type { Role } from './principal.js';
import type { ProjectAdmin } from './projects.js';
import type { UserAdmin } from './users.js';

/** Project membership with Harbor's roles. */
export class MemberAdmin {
  constructor(
    private readonly ctx: AccessContext,
    private readonly projects: ProjectAdmin,
    private readonly users: UserAdmin,
  ) {}

  /** Adds the user to the project, or changes its role there. */
  async add(projectName: string, username: string, role: Role): Promise<MemberRecord> {
    if (!isRole(role)) throw invalid(`unknown role '${String(role)}'`);
    const project = await this.projects.require(projectName);
    const user = await this.users.require(username);
    await this.ctx.store.members.set(project.id, user.id, role);
    this.ctx.membershipChanged(project.id, user.id);
    this.ctx.log(`access: '${username}' is ${role} of project '${projectName}'`);
    return { projectId: project.id, userId: user.id, username, role };
  }

  async remove(projectName: string, username: string): Promise<void> {
    const project = await this.projects.require(projectName);
    const user = await this.users.require(username);
    const removed = await this.ctx.store.members.remove(project.id, user.id);
    this.ctx.membershipChanged(project.id, user.id);
    if (!removed)
      throw new AccessError('NOT_FOUND', `'${username}' is not a member of project '${projectName}'`);
    this.ctx.log(`access: '${username}' removed from project '${projectName}'`);
  }

  async list(projectName: string): Promise<MemberRecord[]> {
    const project = await this.projects.require(projectName);
    return this.ctx.store.members.list(project.id);
  }
}
