import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Selector } from '../../../ports/lifecycle-store.js';
import type { RetentionPolicyInput, RetentionRule } from '../../../ports/retention-store.js';
import { principalName } from '../../../services/access/principal.js';
import { checkRetentionPolicy, RuleError } from '../../../services/lifecycle/index.js';
import type { ApiApp, RetentionApiContext } from '../context.js';
import { denied, invalid, notFound } from '../errors.js';
import { beforeId, PageQuery, page, probe } from '../pagination.js';
import { projectActions } from '../permissions.js';
import { errors, NoContent, ProjectName } from '../schemas/common.js';
import { Policy, PolicyInput, Run, RunBody, RunDetail, RunParams } from '../schemas/retention.js';

const tags = ['retention'];
const ProjectParams = Type.Object({ project: ProjectName });
const ALL: Selector = { decoration: 'matching', pattern: '**' };

type Input = {
  rules: (Partial<RetentionRule> & Pick<RetentionRule, 'kind'>)[];
  schedule?: string | null;
  enabled?: boolean;
};

/** The body as the store takes it (defaults filled in, every field checked), else 400 naming the field. */
function policyOf(body: Input): RetentionPolicyInput {
  const rules = body.rules.map((r) => ({
    ...r,
    repositories: r.repositories ?? ALL,
    tags: r.tags ?? ALL,
    untagged: r.untagged ?? false,
  }));
  try {
    return checkRetentionPolicy({ rules, schedule: body.schedule ?? null, enabled: body.enabled ?? true });
  } catch (err) {
    if (err instanceof RuleError) throw invalid(err.message, { in: 'body', field: err.field });
    throw err;
  }
}

export async function retentionRoutes(app: ApiApp, ctx: RetentionApiContext): Promise<void> {
  const { store, service } = ctx.retention;

  /** Project admins, and members of the project, may read its policy and runs. */
  const mayRead = async (req: FastifyRequest, project: string) => {
    const principal = ctx.principal(req);
    const actions = await projectActions(ctx.access, principal, project);
    if (actions.includes('manage')) return;
    const self = principalName(principal);
    if (!(await ctx.access.members.list(project)).some((m) => m.username === self))
      throw denied(`only members of ${project} may read its retention policy and runs`);
  };

  app.get(
    '/projects/:project/retention',
    {
      schema: {
        operationId: 'getRetentionPolicy',
        summary: "A project's retention policy (project members)",
        tags,
        params: ProjectParams,
        response: { 200: Policy, ...errors(403, 404) },
      },
    },
    async (req) => {
      const { project } = req.params;
      await mayRead(req, project);
      const policy = await store.get(project);
      if (!policy) throw notFound('retention policy', { project });
      return policy;
    },
  );

  app.put(
    '/projects/:project/retention',
    {
      schema: {
        operationId: 'setRetentionPolicy',
        summary: "Create or replace a project's retention policy (project admins)",
        tags,
        params: ProjectParams,
        body: PolicyInput,
        response: { 200: Policy, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      const stored = await store.put(project, policyOf(req.body as Input));
      if (!stored) throw notFound('project', { project });
      return stored;
    },
  );

  app.delete(
    '/projects/:project/retention',
    {
      schema: {
        operationId: 'deleteRetentionPolicy',
        summary: "Remove a project's retention policy; its runs stay in the history (project admins)",
        tags,
        params: ProjectParams,
        response: { 204: NoContent, ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      if (!(await store.delete(project))) throw notFound('retention policy', { project });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/projects/:project/retention/runs',
    {
      schema: {
        operationId: 'runRetention',
        summary:
          'Apply the policy now, or with dryRun list exactly what a run would do; the run with its items (project admins)',
        tags,
        params: ProjectParams,
        body: RunBody,
        response: { 201: RunDetail, ...errors(400, 403, 404) },
      },
      // No body at all (a bare POST) is a real run, like an empty object.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      if (!(await store.get(project))) throw notFound('retention policy', { project });
      const run = await service.run(project, { dryRun: req.body.dryRun === true, trigger: 'manual' });
      return reply.code(201).send(run);
    },
  );

  app.get(
    '/projects/:project/retention/runs',
    {
      schema: {
        operationId: 'listRetentionRuns',
        summary: "A project's retention runs, newest first, without their items (project members)",
        tags,
        params: ProjectParams,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(Run), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await mayRead(req, project);
      const { n, last } = probe(req.query);
      const before = beforeId(last);
      const runs = await store.runs(project, { limit: n, ...(before !== undefined ? { before } : {}) });
      return page(req, reply, req.query, runs, (r) => String(r.id));
    },
  );

  app.get(
    '/projects/:project/retention/runs/:id',
    {
      schema: {
        operationId: 'getRetentionRun',
        summary: 'One retention run with its items: what was (or, dry, would be) untagged, deleted and kept',
        tags,
        params: RunParams,
        response: { 200: RunDetail, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const { project, id } = req.params;
      await mayRead(req, project);
      const run = await store.run(project, id);
      if (!run) throw notFound('retention run', { project, id });
      return run;
    },
  );
}
