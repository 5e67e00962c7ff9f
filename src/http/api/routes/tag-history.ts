import { Type } from '@sinclair/typebox';
import type { ApiApp, LifecycleApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { beforeId, PageQuery, page, probe } from '../pagination.js';
import { projectActions } from '../permissions.js';
import { DateTime, errors, Nullable, ProjectName } from '../schemas/common.js';
import { RepositoryName, repositoryIn } from './repositories.js';

const HistoryEntry = Type.Object(
  {
    id: Type.Integer({ description: 'Increasing with time; the cursor (`last`) of the next page' }),
    tag: Type.String(),
    action: Type.Union([Type.Literal('created'), Type.Literal('moved'), Type.Literal('deleted')]),
    from: Nullable(Type.String({ description: 'The digest before; null on creation' })),
    to: Nullable(Type.String({ description: 'The digest after; null on deletion' })),
    actor: Type.String({ description: 'Who: a user, a robot, anonymous, or system (jobs)' }),
    actorKind: Type.Union([
      Type.Literal('user'),
      Type.Literal('robot'),
      Type.Literal('anonymous'),
      Type.Literal('system'),
    ]),
    at: DateTime(),
  },
  { title: 'TagHistoryEntry' },
);

export async function tagHistoryRoutes(app: ApiApp, ctx: LifecycleApiContext): Promise<void> {
  app.get(
    '/projects/:project/repositories/:repository/tags/:tag/history',
    {
      schema: {
        operationId: 'getTagHistory',
        summary: "A tag's creations, moves and deletions, newest first (kept after the tag is gone)",
        tags: ['tags'],
        params: Type.Object({
          project: ProjectName,
          repository: RepositoryName,
          tag: Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$' }),
        }),
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(HistoryEntry), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project, tag } = req.params;
      const name = repositoryIn(project, req.params.repository);
      await projectActions(ctx.access, ctx.principal(req), project, 'pull');
      const { n, last } = probe(req.query);
      const before = beforeId(last);
      const entries = await ctx.lifecycle.tagHistory.history(name, tag, {
        n,
        ...(before === undefined ? {} : { before }),
      });
      if (!entries) throw notFound('repository', { name });
      const rows = entries.map(({ actor, ...e }) => ({ ...e, actor: actor.name, actorKind: actor.kind }));
      return page(req, reply, req.query, rows, (e) => String(e.id));
    },
  );
}
