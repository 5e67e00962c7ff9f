import type { Kysely } from 'kysely';
import type { AccessStore, MemberRecord, ProjectRecord } from '../../../ports/access-store.js';
import type { Role } from '../../../services/access/principal.js';
import type { Database } from '../schema.js';
import { toProject } from './rows.js';

type Members = AccessStore['members'];

export class SqlMembers implements Members {
  constructor(private readonly db: Kysely<Database>) {}

  async set(projectId: number, userId: number, role: Role): Promise<void> {
    await this.db
      .insertInto('members')
      .values({ project_id: projectId, user_id: userId, role })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }

  async remove(projectId: number, userId: number): Promise<boolean> {
    const r = await this.db
      .deleteFrom('members')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async list(projectId: number): Promise<MemberRecord[]> {
    const rows = await this.db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      .select(['members.project_id', 'members.user_id', 'users.username', 'members.role'])
      .where('members.project_id', '=', projectId)
      .orderBy('users.username')
      .execute();
    return rows.map((r) => ({
      projectId: r.project_id,
      userId: r.user_id,
      username: r.username,
      role: r.role as Role,
    }));
  }

  async role(projectId: number, userId: number): Promise<Role | undefined> {
    const row = await this.db
      .selectFrom('members')
      .select('role')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role as Role | undefined;
  }

  async projectsOf(userId: number): Promise<{ project: ProjectRecord; role: Role }[]> {
    const rows = await this.db
      .selectFrom('members')
      .innerJoin('projects', 'projects.id', 'members.project_id')
      .selectAll('projects')
      .select('members.role')
      .where('members.user_id', '=', userId)
      .orderBy('projects.name')
      .execute();
    return rows.map(({ role, ...p }) => ({ project: toProject(p), role: role as Role }));
  }
}
