import { Type } from '@sinclair/typebox';
import { tryParseDigest } from '../../../oci/digest.js';
import { projectOf } from '../../../services/policy/project.js';
import type { ApiApp, PromotionApiContext } from '../context.js';
import { denied, invalid } from '../errors.js';
import { isAdmin, projectActions, requireAdmin } from '../permissions.js';
import { errors, NoContent } from '../schemas/common.js';
import { Revocation, Revoked, RevokeInput, Rollback, RollbackInput } from '../schemas/promotion.js';
import { view } from './promotion-views.js';
import { ArtifactParams, RepositoryParams, repositoryIn } from './repositories.js';

const tags = ['promotion'];

/** Rollback of a tag to a last-known-good digest, and registry-wide revocation of digests. */
export async function revocationRoutes(app: ApiApp, ctx: PromotionApiContext): Promise<void> {
  const service = ctx.promotion;

  app.post(
    '/projects/:project/repositories/:repository/rollback',
    {
      schema: {
        operationId: 'rollbackTag',
        summary:
          'Move a tag back to a digest its history shows it pointed at (push); 409 when it never did, ' +
          '403 for a revoked digest or an immutable tag',
        tags,
        params: RepositoryParams,
        body: RollbackInput,
        response: { 200: Rollback, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => {
      const { project } = req.params;
      const name = repositoryIn(project, req.params.repository);
      await projectActions(ctx.access, ctx.principal(req), project, 'push');
      const digest = tryParseDigest(req.body.digest);
      if (!digest) throw invalid('invalid digest', { field: 'digest' });
      return service.rollback(name, digest, req.body.tag);
    },
  );

  app.post(
    '/projects/:project/repositories/:repository/artifacts/:reference/revoke',
    {
      schema: {
        operationId: 'revokeArtifact',
        summary:
          'Revoke a digest registry-wide (maintainers): every pull of it is refused, it is tagged ' +
          '`revoked-YYYYMMDD` here, nothing is deleted',
        tags,
        params: ArtifactParams,
        body: Type.Optional(RevokeInput),
        response: { 201: Revoked, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project, reference } = req.params;
      const name = repositoryIn(project, req.params.repository);
      await projectActions(ctx.access, ctx.principal(req), project, 'delete');
      const reason = req.body?.reason?.trim() || 'no reason given';
      const r = await service.revoke(name, reference, reason);
      return reply.code(201).send({ revocation: view(r.revocation), tag: r.tag });
    },
  );

  app.delete(
    '/projects/:project/repositories/:repository/artifacts/:reference/revoke',
    {
      schema: {
        operationId: 'unrevokeArtifact',
        summary: 'Lift a revocation (admins of the project it was revoked in); pulls work again',
        tags,
        params: ArtifactParams,
        response: { 204: NoContent, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project, reference } = req.params;
      const name = repositoryIn(project, req.params.repository);
      const principal = ctx.principal(req);
      await projectActions(ctx.access, principal, project, 'manage');
      const digest = tryParseDigest(reference) ?? (await ctx.registry.manifests.get(name, reference)).digest;
      const r = await service.revocation(digest);
      const revokedIn = r ? projectOf(r.repository) : project;
      if (revokedIn !== project && !isAdmin(principal))
        throw denied(`${digest} was revoked in project ${revokedIn}: only its admins may lift it`);
      await service.unrevoke(name, digest);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/revocations',
    {
      schema: {
        operationId: 'listRevocations',
        summary: 'Every revoked digest, oldest first (system administrators)',
        tags,
        response: { 200: Type.Array(Revocation), ...errors(403) },
      },
    },
    async (req) => {
      requireAdmin(ctx.principal(req));
      return (await service.revocations()).map(view);
    },
  );
}
