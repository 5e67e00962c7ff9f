import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../../services/access/principal.js';
import type { NewRobot, RobotView } from '../access.js';
import type { ApiApp, ApiContext } from '../context.js';
import { invalid, notFound } from '../errors.js';
import { type PageParams, PageQuery, page } from '../pagination.js';
import { projectActions, requireAdmin } from '../permissions.js';
import { ProjectParams, Robot, RobotPermission, RobotWithSecret } from '../schemas/access.js';
import { DateTimeInput, errors, NoContent, Nullable, Strict } from '../schemas/common.js';

const tags = ['robots'];
const RobotParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 300 }) });

const NewRobotBody = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z0-9]+(?:[._-][a-z0-9]+)*$',
      maxLength: 100,
      description: 'Short name',
    }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
    permissions: Type.Array(RobotPermission, { minItems: 1 }),
    expiresAt: Type.Optional(Nullable(DateTimeInput('null: never expires'))),
  },
  Strict,
);

const RobotPatch = Type.Object(
  {
    description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
    permissions: Type.Optional(Type.Array(RobotPermission, { minItems: 1 })),
    disabled: Type.Optional(Type.Boolean()),
    expiresAt: Type.Optional(Nullable(DateTimeInput())),
  },
  { ...Strict, minProperties: 1 },
);

interface NewRobotInput {
  name: string;
  description?: string | null;
  permissions: NewRobot['permissions'];
  expiresAt?: string | null;
}

const toDate = (v: string | null | undefined): Date | null =>
  v === undefined || v === null ? null : new Date(v);

function newRobot(project: string | null, b: NewRobotInput): NewRobot {
  if (project !== null && b.permissions.some((p) => p.project !== project)) {
    throw invalid(`a robot of project ${project} may only hold permissions on it`, { field: 'permissions' });
  }
  return {
    project,
    name: b.name,
    description: b.description ?? null,
    permissions: b.permissions,
    expiresAt: toDate(b.expiresAt),
  };
}

function listPage(req: FastifyRequest, reply: FastifyReply, q: PageParams, robots: RobotView[]) {
  const sorted = robots.sort((a, b) => (a.name < b.name ? -1 : 1));
  const last = q.last;
  return page(
    req,
    reply,
    q,
    last === undefined ? sorted : sorted.filter((r) => r.name > last),
    (r) => r.name,
  );
}

/** A robot the caller may manage: system robots by administrators, project robots by project admins. */
async function manageable(ctx: ApiContext, principal: Principal, name: string): Promise<RobotView> {
  const robot = await ctx.access.robots.get(name);
  if (!robot) throw notFound('robot', { name });
  if (robot.project === null) requireAdmin(principal);
  else await projectActions(ctx.access, principal, robot.project, 'manage');
  return robot;
}

async function collectionRoutes(app: ApiApp, ctx: ApiContext): Promise<void> {
  app.get(
    '/robots',
    {
      schema: {
        operationId: 'listSystemRobots',
        summary: 'System-level robot accounts (system administrators)',
        tags,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(Robot), ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      return listPage(req, reply, req.query, await ctx.access.robots.list(null));
    },
  );

  app.post(
    '/robots',
    {
      schema: {
        operationId: 'createSystemRobot',
        summary: 'Create a system-level robot (system administrators); the secret is shown once',
        tags,
        body: NewRobotBody,
        response: { 201: RobotWithSecret, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      const { robot, secret } = await ctx.access.robots.create(newRobot(null, req.body));
      return reply.code(201).send({ ...robot, secret });
    },
  );

  app.get(
    '/projects/:project/robots',
    {
      schema: {
        operationId: 'listProjectRobots',
        summary: 'Robot accounts of a project (project admins)',
        tags,
        params: ProjectParams,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(Robot), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      await projectActions(ctx.access, ctx.principal(req), req.params.project, 'manage');
      return listPage(req, reply, req.query, await ctx.access.robots.list(req.params.project));
    },
  );

  app.post(
    '/projects/:project/robots',
    {
      schema: {
        operationId: 'createProjectRobot',
        summary: 'Create a robot of a project (project admins); the secret is shown once',
        tags,
        params: ProjectParams,
        body: NewRobotBody,
        response: { 201: RobotWithSecret, ...errors(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await projectActions(ctx.access, ctx.principal(req), req.params.project, 'manage');
      const { robot, secret } = await ctx.access.robots.create(newRobot(req.params.project, req.body));
      return reply.code(201).send({ ...robot, secret });
    },
  );
}

async function itemRoutes(app: ApiApp, ctx: ApiContext): Promise<void> {
  app.get(
    '/robots/:name',
    {
      schema: {
        operationId: 'getRobot',
        summary: 'One robot account (never its secret)',
        tags,
        params: RobotParams,
        response: { 200: Robot, ...errors(403, 404) },
      },
    },
    async (req) => manageable(ctx, ctx.principal(req), req.params.name),
  );

  app.patch(
    '/robots/:name',
    {
      schema: {
        operationId: 'updateRobot',
        summary: 'Disable, describe, re-scope or change the expiry of a robot',
        tags,
        params: RobotParams,
        body: RobotPatch,
        response: { 200: Robot, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const robot = await manageable(ctx, ctx.principal(req), req.params.name);
      const { expiresAt, ...rest } = req.body;
      if (robot.project !== null && rest.permissions)
        newRobot(robot.project, { name: '', ...rest, permissions: rest.permissions });
      const updated = await ctx.access.robots.update(robot.name, {
        ...rest,
        ...(expiresAt === undefined ? {} : { expiresAt: toDate(expiresAt) }),
      });
      ctx.credentialsChanged();
      return updated;
    },
  );

  app.delete(
    '/robots/:name',
    {
      schema: {
        operationId: 'deleteRobot',
        summary: 'Delete a robot account',
        tags,
        params: RobotParams,
        response: { 204: NoContent, ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      const robot = await manageable(ctx, ctx.principal(req), req.params.name);
      await ctx.access.robots.delete(robot.name);
      ctx.credentialsChanged();
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/robots/:name/rotate',
    {
      schema: {
        operationId: 'rotateRobotSecret',
        summary: 'Replace a robot’s secret; the new one is shown once and the old one stops working',
        tags,
        params: RobotParams,
        response: { 200: RobotWithSecret, ...errors(403, 404) },
      },
    },
    async (req) => {
      const robot = await manageable(ctx, ctx.principal(req), req.params.name);
      const rotated = await ctx.access.robots.rotate(robot.name);
      ctx.credentialsChanged();
      return { ...rotated.robot, secret: rotated.secret };
    },
  );
}

export async function robotRoutes(app: ApiApp, ctx: ApiContext): Promise<void> {
  await collectionRoutes(app, ctx);
  await itemRoutes(app, ctx);
}
