import { Type } from '@sinclair/typebox';
import type { Digest } from '../../../oci/digest.js';
import { isRegistryError } from '../../../oci/errors.js';
import type { ApiApp, LifecycleApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { projectActions } from '../permissions.js';
import { errors, NoContent, Strict } from '../schemas/common.js';
import { LabelKey, Labels, LabelValue } from '../schemas/labels.js';
import { ArtifactParams, repositoryIn } from './repositories.js';

const tags = ['labels'];

const LabelParams = Type.Composite([ArtifactParams, Type.Object({ key: LabelKey })]);

export async function labelRoutes(app: ApiApp, ctx: LifecycleApiContext): Promise<void> {
  const { labels } = ctx.lifecycle;

  /** The repository and the digest a reference names there (a tag is resolved), or 404. */
  async function artifact(project: string, repository: string, reference: string) {
    const name = repositoryIn(project, repository);
    const digest = await ctx.registry.manifests.get(name, reference).then(
      (m): Digest => m.digest,
      (err: unknown) => {
        if (isRegistryError(err) && err.status === 404) throw notFound('artifact', { name, reference });
        throw err;
      },
    );
    return { name, digest };
  }

  app.get(
    '/projects/:project/repositories/:repository/artifacts/:reference/labels',
    {
      schema: {
        operationId: 'listArtifactLabels',
        summary: "An artifact's labels",
        tags,
        params: ArtifactParams,
        response: { 200: Labels, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'pull');
      const a = await artifact(project, req.params.repository, req.params.reference);
      return labels.of(a.name, a.digest);
    },
  );

  app.put(
    '/projects/:project/repositories/:repository/artifacts/:reference/labels/:key',
    {
      schema: {
        operationId: 'setArtifactLabel',
        summary: 'Set a label on an artifact (replacing its value); needs push',
        tags,
        params: LabelParams,
        body: Type.Object({ value: LabelValue }, Strict),
        response: { 200: Labels, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const { project, key } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'push');
      const a = await artifact(project, req.params.repository, req.params.reference);
      if (!(await labels.set(a.name, a.digest, key, req.body.value)))
        throw notFound('artifact', { name: a.name, reference: a.digest });
      return labels.of(a.name, a.digest);
    },
  );

  app.delete(
    '/projects/:project/repositories/:repository/artifacts/:reference/labels/:key',
    {
      schema: {
        operationId: 'removeArtifactLabel',
        summary: 'Remove a label from an artifact; needs push',
        tags,
        params: LabelParams,
        response: { 204: NoContent, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project, key } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'push');
      const a = await artifact(project, req.params.repository, req.params.reference);
      if (!(await labels.remove(a.name, a.digest, key)))
        throw notFound('label', { name: a.name, digest: a.digest, key });
      return reply.code(204).send(null);
    },
  );
}
