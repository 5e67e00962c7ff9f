import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { WebhookView } from '../../../services/events/index.js';
import type { ApiApp, EventsApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { beforeId, PageQuery, page, probe } from '../pagination.js';
import { projectActions } from '../permissions.js';
import { ProjectParams } from '../schemas/access.js';
import { errors, NoContent } from '../schemas/common.js';
import {
  Delivery,
  DeliveryQuery,
  NewWebhook,
  Webhook,
  WebhookParams,
  WebhookPatch,
  WebhookWithSecret,
} from '../schemas/events.js';

const tags = ['webhooks'];

const WebhookListQuery = Type.Object({
  n: PageQuery.n,
  last: Type.Optional(
    Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'Id of the last webhook of the previous page' }),
  ),
});

/**
 * The webhook named in the path, once the caller may `manage` its project. A webhook of another
 * project answers 404 like one that does not exist.
 */
async function webhookOf(
  ctx: EventsApiContext,
  req: FastifyRequest,
  { project, id }: { project: string; id: number },
): Promise<WebhookView> {
  await projectActions(ctx.access, ctx.principal(req), project, 'manage');
  const hook = await ctx.events.webhooks.get(id);
  if (!hook || hook.project !== project) throw notFound('webhook', { project, id });
  return hook;
}

async function collectionRoutes(app: ApiApp, ctx: EventsApiContext): Promise<void> {
  app.get(
    '/projects/:project/webhooks',
    {
      schema: {
        operationId: 'listWebhooks',
        summary: 'Webhooks of a project, by id (project admins; never their secrets)',
        tags,
        params: ProjectParams,
        querystring: WebhookListQuery,
        response: { 200: Type.Array(Webhook), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      const after = Number(req.query.last ?? 0);
      const hooks = (await ctx.events.webhooks.list(project)).filter((h) => h.id > after);
      return page(req, reply, req.query, hooks, (h) => String(h.id));
    },
  );

  app.post(
    '/projects/:project/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        summary: 'Add a webhook to a project (project admins); the secret is shown once',
        tags,
        params: ProjectParams,
        body: NewWebhook,
        response: { 201: WebhookWithSecret, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      const { webhook, secret } = await ctx.events.webhooks.create({ project, ...req.body });
      return reply.code(201).send({ ...webhook, secret });
    },
  );
}

async function itemRoutes(app: ApiApp, ctx: EventsApiContext): Promise<void> {
  app.get(
    '/projects/:project/webhooks/:id',
    {
      schema: {
        operationId: 'getWebhook',
        summary: 'One webhook (never its secret)',
        tags,
        params: WebhookParams,
        response: { 200: Webhook, ...errors(400, 403, 404) },
      },
    },
    async (req) => webhookOf(ctx, req, req.params),
  );

  app.patch(
    '/projects/:project/webhooks/:id',
    {
      schema: {
        operationId: 'updateWebhook',
        summary: 'Change the URL, secret, event types, format or enabled flag of a webhook',
        tags,
        params: WebhookParams,
        body: WebhookPatch,
        response: { 200: Webhook, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const hook = await webhookOf(ctx, req, req.params);
      const updated = await ctx.events.webhooks.update(hook.id, req.body);
      if (!updated) throw notFound('webhook', { project: hook.project, id: hook.id });
      return updated;
    },
  );

  app.delete(
    '/projects/:project/webhooks/:id',
    {
      schema: {
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook and its delivery history',
        tags,
        params: WebhookParams,
        response: { 204: NoContent, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const hook = await webhookOf(ctx, req, req.params);
      await ctx.events.webhooks.delete(hook.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/projects/:project/webhooks/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: 'Delivery attempts of a webhook, newest first',
        tags,
        params: WebhookParams,
        querystring: DeliveryQuery,
        response: { 200: Type.Array(Delivery), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const hook = await webhookOf(ctx, req, req.params);
      const { n, last } = probe(req.query);
      const before = beforeId(last);
      const deliveries = await ctx.events.webhooks.deliveries(hook.id, {
        limit: n,
        ...(before === undefined ? {} : { before }),
      });
      return page(req, reply, req.query, deliveries, (d) => String(d.id));
    },
  );
}

/** Per-project webhooks; every route needs `manage` on the project. */
export async function webhookRoutes(app: ApiApp, ctx: EventsApiContext): Promise<void> {
  await collectionRoutes(app, ctx);
  await itemRoutes(app, ctx);
}
