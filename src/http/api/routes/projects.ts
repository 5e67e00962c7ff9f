import { Type } from '@sinclair/typebox';
import type { Principal } from '../../../services/access/principal.js';
import type { ProjectView } from '../access.js';
import type { ApiApp, ApiContext } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { type PageParams, PageQuery, page, probe } from '../pagination.js';
import { isAdmin, projectActions, requireAdmin } from '../permissions.js';
import { Project, ProjectParams, ProxyInput, SupplyChainPatch } from '../schemas/access.js';
import { errors, NoContent, Nullable, ProjectName, Strict } from '../schemas/common.js';

const tags = ['projects'];

const ProjectPatch = Type.Object(
  {
    public: Type.Optional(Type.Boolean()),
    quotaBytes: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    pullRatePerMinute: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    supplyChain: Type.Optional(SupplyChainPatch),
    proxy: Type.Optional(ProxyInput),
  },
  { ...Strict, minProperties: 1 },
);

const NewProject = Type.Object(
  {
    name: ProjectName,
    public: Type.Optional(Type.Boolean({ default: false })),
    quotaBytes: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    pullRatePerMinute: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    proxy: Type.Optional(ProxyInput),
  },
  Strict,
);

/** Projects the caller may see, by name after `q.last`, scanning past invisible ones. */
async function visibleProjects(
  ctx: ApiContext,
  principal: Principal,
  q: PageParams & { name?: string },
): Promise<ProjectView[]> {
  const want = probe(q);
  const out: ProjectView[] = [];
  let last = want.last;
  for (;;) {
    const batch = await ctx.access.projects.list({ n: Math.max(want.n, 100), ...(last ? { last } : {}) });
    for (const p of batch) {
      if (q.name && !p.name.includes(q.name)) continue;
      if (isAdmin(principal) || (await ctx.access.actionsOn(principal, p.name)).length > 0) out.push(p);
      if (out.length >= want.n) return out;
    }
    if (batch.length < Math.max(want.n, 100)) return out;
    last = batch.at(-1)?.name;
  }
}

/** Deletes every manifest of every repository of the project, through the registry (events follow). */
async function emptyProject(ctx: ApiContext, project: string): Promise<void> {
  for (;;) {
    const repos = await ctx.catalog.repositories(project, { n: 100 });
    if (repos.length === 0) return;
    for (const r of repos) {
      for (const digest of await ctx.catalog.manifestDigests(r.name)) {
        await ctx.registry.manifests.delete(r.name, digest).catch((err: unknown) => {
          if ((err as { code?: string }).code !== 'MANIFEST_UNKNOWN') throw err;
        });
      }
    }
  }
}

/** A proxy setting is a system admin's, and a project holding pushed content does not become a proxy. */
async function assertMayProxy(
  ctx: ApiContext,
  principal: Principal,
  project: string,
  proxy: unknown,
): Promise<void> {
  requireAdmin(principal);
  if (proxy === null || (await ctx.access.projects.get(project))?.proxy) return;
  const repos = await ctx.catalog.repositories(project, { n: 1 });
  if (repos.length > 0)
    throw conflict(`project ${project} holds repositories; only an empty project may become a proxy cache`, {
      repositories: repos.map((r) => r.name),
    });
}

export async function projectRoutes(app: ApiApp, ctx: ApiContext): Promise<void> {
  app.get(
    '/projects',
    {
      schema: {
        operationId: 'listProjects',
        summary: 'Projects the caller can see (admins: all; others: public ones and their own)',
        tags,
        querystring: Type.Object({ ...PageQuery, name: Type.Optional(Type.String({ maxLength: 255 })) }),
        response: { 200: Type.Array(Project), ...errors(400) },
      },
    },
    async (req, reply) => {
      const found = await visibleProjects(ctx, ctx.principal(req), req.query);
      return page(req, reply, req.query, found, (p) => p.name);
    },
  );

  app.post(
    '/projects',
    {
      schema: {
        operationId: 'createProject',
        summary: 'Create a project (system administrators)',
        tags,
        body: NewProject,
        response: { 201: Project, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      const b = req.body;
      const created = await ctx.access.projects.create({
        name: b.name,
        public: b.public ?? false,
        quotaBytes: b.quotaBytes ?? null,
        pullRatePerMinute: b.pullRatePerMinute ?? null,
        ...(b.proxy ? { proxy: b.proxy } : {}),
      });
      return reply.code(201).header('Location', `/api/v1/projects/${created.name}`).send(created);
    },
  );

  app.get(
    '/projects/:project',
    {
      schema: {
        operationId: 'getProject',
        summary: 'One project',
        tags,
        params: ProjectParams,
        response: { 200: Project, ...errors(404) },
      },
    },
    async (req) => {
      await projectActions(ctx.access, ctx.principal(req), req.params.project);
      const p = await ctx.access.projects.get(req.params.project);
      if (!p) throw notFound('project', { project: req.params.project });
      return p;
    },
  );

  app.patch(
    '/projects/:project',
    {
      schema: {
        operationId: 'updateProject',
        summary:
          'Change visibility, quota, pull rate limit or supply-chain rules (project admins), or the proxy setting (system admins)',
        tags,
        params: ProjectParams,
        body: ProjectPatch,
        response: { 200: Project, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      // The server fetches from whatever upstream is set: only system admins choose one.
      if (req.body.proxy !== undefined)
        await assertMayProxy(ctx, ctx.principal(req), project, req.body.proxy);
      return ctx.access.projects.update(project, req.body);
    },
  );

  app.delete(
    '/projects/:project',
    {
      schema: {
        operationId: 'deleteProject',
        summary: 'Delete a project (system administrators); refused while it holds repositories unless force',
        tags,
        params: ProjectParams,
        querystring: Type.Object({ force: Type.Optional(Type.Boolean({ default: false })) }),
        response: { 204: NoContent, ...errors(403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project);
      requireAdmin(ctx.principal(req));
      if (!(await ctx.access.projects.get(project))) throw notFound('project', { project });
      const repos = await ctx.catalog.repositories(project, { n: 1 });
      if (repos.length > 0 && !req.query.force) {
        throw conflict(`project ${project} still has repositories; delete them or pass force=true`, {
          repositories: repos.map((r) => r.name),
        });
      }
      if (req.query.force) await emptyProject(ctx, project);
      await ctx.access.projects.delete(project);
      return reply.code(204).send(null);
    },
  );
}
