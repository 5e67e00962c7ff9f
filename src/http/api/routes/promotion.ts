import { Type } from '@sinclair/typebox';
import { parseSource } from '../../../services/promotion/index.js';
import type { ApiApp, PromotionApiContext } from '../context.js';
import { denied, notFound } from '../errors.js';
import { projectActions, requireAdmin } from '../permissions.js';
import { errors, IdParam, NoContent, ProjectName } from '../schemas/common.js';
import { Approval, ApprovalInput, Gates, GatesInput, PromoteInput, Promotion } from '../schemas/promotion.js';
import { view } from './promotion-views.js';
import { ArtifactParams, repositoryIn } from './repositories.js';

const tags = ['promotion'];

/** Gates (set by the target project's admins), promotions into a project, and approvals of artifacts. */
export async function promotionRoutes(app: ApiApp, ctx: PromotionApiContext): Promise<void> {
  const service = ctx.promotion;

  app.get(
    '/projects/:project/promotion-gates',
    {
      schema: {
        operationId: 'getPromotionGates',
        summary: 'What an artifact needs to be promoted into this project (404: none set, no promotions)',
        tags,
        params: Type.Object({ project: ProjectName }),
        response: { 200: Gates, ...errors(404) },
      },
    },
    async (req) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'pull');
      const gates = await service.gates(project);
      if (!gates) throw notFound('promotion gates', { project });
      return gates;
    },
  );

  app.put(
    '/projects/:project/promotion-gates',
    {
      schema: {
        operationId: 'setPromotionGates',
        summary: 'Set the gates of promotions into this project (project admins)',
        tags,
        params: Type.Object({ project: ProjectName }),
        body: GatesInput,
        response: { 200: Gates, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      const b = req.body;
      const set = await service.setGates(project, {
        from: b.from ?? [],
        requireSignature: b.requireSignature ?? false,
        requiredAttestations: b.requiredAttestations ?? [],
        requiredApprovals: b.requiredApprovals ?? [],
        tagPattern: b.tagPattern ?? null,
      });
      if (!set) throw notFound('project', { project });
      const gates = await service.gates(project);
      if (!gates) throw notFound('promotion gates', { project });
      return gates;
    },
  );

  app.post(
    '/projects/:project/promotions',
    {
      schema: {
        operationId: 'promote',
        summary:
          'Promote an artifact into this project when every gate passes (push here, pull on the source); ' +
          'a refusal (403) lists every gate in `detail.gates`',
        tags,
        params: Type.Object({ project: ProjectName }),
        body: PromoteInput,
        response: { 200: Promotion, 201: Promotion, ...errors(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      const principal = ctx.principal(req);
      const src = parseSource(req.body.source);
      await projectActions(ctx.access, principal, src.project, 'pull');
      await projectActions(ctx.access, principal, project, 'push');
      const r = await service.promote({
        target: project,
        source: req.body.source,
        ...(req.body.tag ? { tag: req.body.tag } : {}),
      });
      return reply.code(r.created ? 201 : 200).send(view(r.promotion));
    },
  );

  app.get(
    '/projects/:project/promotions',
    {
      schema: {
        operationId: 'listPromotions',
        summary: 'Promotions into this project, newest first (at most 100)',
        tags,
        params: Type.Object({ project: ProjectName }),
        response: { 200: Type.Array(Promotion), ...errors(404) },
      },
    },
    async (req) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'pull');
      const all = await service.promotions(project, 100);
      return all.map(view);
    },
  );

  app.delete(
    '/projects/:project/promotions/:id',
    {
      schema: {
        operationId: 'unlockPromotion',
        summary:
          'Lift the lock of a promoted tag, so it may move or be deleted again (system administrators)',
        tags,
        params: Type.Object({ project: ProjectName, id: IdParam }),
        response: { 204: NoContent, ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      const { project, id } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project);
      requireAdmin(ctx.principal(req));
      if (!(await service.unlock(project, id))) throw notFound('promotion', { project, id });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/projects/:project/repositories/:repository/artifacts/:reference/approvals',
    {
      schema: {
        operationId: 'approveArtifact',
        summary:
          'Sign off an artifact for promotion into `target` (users who are maintainers or admins of the target); idempotent',
        tags,
        params: ArtifactParams,
        body: ApprovalInput,
        response: { 201: Approval, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project, reference } = req.params;
      const name = repositoryIn(project, req.params.repository);
      const principal = ctx.principal(req);
      await projectActions(ctx.access, principal, project, 'pull');
      const { target } = req.body;
      // System admins may act on projects not created yet; an approval needs a real target.
      if (!(await ctx.access.projects.get(target))) throw notFound('project', { project: target });
      const onTarget = await projectActions(ctx.access, principal, target);
      if (principal.kind !== 'user' || !onTarget.includes('delete'))
        throw denied(
          `only maintainers and admins of project ${target} (users) may approve promotions into it`,
        );
      const approval = await service.approve(name, reference, {
        target,
        name: req.body.name,
        ...(req.body.comment === undefined ? {} : { comment: req.body.comment }),
      });
      return reply.code(201).send(view(approval));
    },
  );

  app.get(
    '/projects/:project/repositories/:repository/artifacts/:reference/approvals',
    {
      schema: {
        operationId: 'listArtifactApprovals',
        summary: "An artifact's approvals, for every target, oldest first",
        tags,
        params: ArtifactParams,
        response: { 200: Type.Array(Approval), ...errors(400, 404) },
      },
    },
    async (req) => {
      const { project, reference } = req.params;
      const name = repositoryIn(project, req.params.repository);
      await projectActions(ctx.access, ctx.principal(req), project, 'pull');
      return (await service.approvals(name, reference)).map(view);
    },
  );
}
