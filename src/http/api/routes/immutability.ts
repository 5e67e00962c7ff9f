import { Type } from '@sinclair/typebox';
import type { Selector } from '../../../ports/lifecycle-store.js';
import { checkSelector, MAX_RULES, RuleError } from '../../../services/lifecycle/index.js';
import type { ApiApp, LifecycleApiContext } from '../context.js';
import { conflict, invalid, notFound } from '../errors.js';
import { projectActions } from '../permissions.js';
import { DateTime, errors, IdParam, NoContent, ProjectName, Strict } from '../schemas/common.js';
import { SelectorInput, SelectorView } from '../schemas/selectors.js';

const tags = ['immutability'];

const NewRule = Type.Object(
  {
    repositories: Type.Optional(
      SelectorInput('Repository names without the project prefix; default: matching **'),
    ),
    tags: SelectorInput(),
  },
  Strict,
);

const Rule = Type.Object(
  {
    id: Type.Integer(),
    project: Type.String(),
    repositories: SelectorView,
    tags: SelectorView,
    createdAt: DateTime(),
  },
  { title: 'ImmutabilityRule' },
);

const RuleParams = Type.Object({ project: ProjectName, id: IdParam });

/** The stored selector: checked (characters, glob syntax), else 400 naming the field. */
function selector(field: 'repositories' | 'tags', s: Selector): Selector {
  try {
    checkSelector(field, s);
  } catch (err) {
    if (err instanceof RuleError) throw invalid(err.message, { field: err.field });
    throw err;
  }
  return { decoration: s.decoration, pattern: s.pattern };
}

export async function immutabilityRoutes(app: ApiApp, ctx: LifecycleApiContext): Promise<void> {
  const rules = ctx.lifecycle.immutability;

  app.get(
    '/projects/:project/immutability-rules',
    {
      schema: {
        operationId: 'listImmutabilityRules',
        summary: "A project's tag immutability rules, oldest first",
        tags,
        params: Type.Object({ project: ProjectName }),
        response: { 200: Type.Array(Rule), ...errors(404) },
      },
    },
    async (req) => {
      await projectActions(ctx.access, ctx.principal(req), req.params.project);
      return rules.list(req.params.project);
    },
  );

  app.post(
    '/projects/:project/immutability-rules',
    {
      schema: {
        operationId: 'createImmutabilityRule',
        summary:
          'Make the tags a rule selects immutable: they cannot be moved to another digest or deleted (project admins)',
        tags,
        params: Type.Object({ project: ProjectName }),
        body: NewRule,
        response: { 201: Rule, ...errors(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      const repositories = selector(
        'repositories',
        req.body.repositories ?? { decoration: 'matching', pattern: '**' },
      );
      const tagSelector = selector('tags', req.body.tags);
      if ((await rules.list(project)).length >= MAX_RULES)
        throw conflict(`project ${project} already has ${MAX_RULES} immutability rules`);
      const created = await rules.create(project, { repositories, tags: tagSelector });
      if (!created) throw notFound('project', { project });
      return reply
        .code(201)
        .header('Location', `/api/v1/projects/${project}/immutability-rules/${created.id}`)
        .send(created);
    },
  );

  app.delete(
    '/projects/:project/immutability-rules/:id',
    {
      schema: {
        operationId: 'deleteImmutabilityRule',
        summary: 'Remove an immutability rule (project admins)',
        tags,
        params: RuleParams,
        response: { 204: NoContent, ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      const { project, id } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      if (!(await rules.delete(project, id))) throw notFound('immutability rule', { project, id });
      return reply.code(204).send(null);
    },
  );
}
