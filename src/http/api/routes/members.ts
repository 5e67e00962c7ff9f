import { Type } from '@sinclair/typebox';
import { principalName } from '../../../services/access/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { denied } from '../errors.js';
import { PageQuery, page } from '../pagination.js';
import { projectActions } from '../permissions.js';
import { Member, ProjectParams, Role, Username } from '../schemas/access.js';
import { errors, NoContent, ProjectName, Strict } from '../schemas/common.js';

const tags = ['members'];

export async function memberRoutes(app: ApiApp, ctx: ApiContext): Promise<void> {
  app.get(
    '/projects/:project/members',
    {
      schema: {
        operationId: 'listMembers',
        summary: 'Members of a project and their roles (project members and admins)',
        tags,
        params: ProjectParams,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(Member), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const principal = ctx.principal(req);
      const actions = await projectActions(ctx.access, principal, req.params.project);
      const members = await ctx.access.members.list(req.params.project);
      const self = principalName(principal);
      if (!actions.includes('manage') && !members.some((m) => m.username === self)) {
        throw denied(`only members of ${req.params.project} may list its members`);
      }
      const sorted = members.sort((a, b) => (a.username < b.username ? -1 : 1));
      const last = req.query.last;
      const after = last === undefined ? sorted : sorted.filter((m) => m.username > last);
      return page(req, reply, req.query, after, (m) => m.username);
    },
  );

  app.post(
    '/projects/:project/members',
    {
      schema: {
        operationId: 'setMember',
        summary: "Add a user to a project, or change a member's role (project admins)",
        tags,
        params: ProjectParams,
        body: Type.Object({ username: Username, role: Role }, Strict),
        response: { 200: Member, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      await projectActions(ctx.access, ctx.principal(req), req.params.project, 'manage');
      return ctx.access.members.set(req.params.project, req.body.username, req.body.role);
    },
  );

  app.delete(
    '/projects/:project/members/:username',
    {
      schema: {
        operationId: 'removeMember',
        summary: 'Remove a member from a project (project admins)',
        tags,
        params: Type.Object({ project: ProjectName, username: Username }),
        response: { 204: NoContent, ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await projectActions(ctx.access, ctx.principal(req), req.params.project, 'manage');
      await ctx.access.members.remove(req.params.project, req.params.username);
      return reply.code(204).send(null);
    },
  );
}
