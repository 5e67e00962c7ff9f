import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuditQuery as AuditFilter, isEventType } from '../../../services/events/index.js';
import type { ApiApp, EventsApiContext } from '../context.js';
import { invalid } from '../errors.js';
import { page, probe } from '../pagination.js';
import { projectActions, requireAdmin } from '../permissions.js';
import { ProjectParams } from '../schemas/access.js';
import { errors } from '../schemas/common.js';
import { AuditEvent, AuditQuery, ProjectAuditQuery } from '../schemas/events.js';

const tags = ['audit'];

type Query = Static<typeof ProjectAuditQuery> & { project?: string };

/** `type=PUSH_ARTIFACT,DELETE_ARTIFACT` as a list, refusing names that are not event types. */
function typesOf(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const types = raw
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const unknown = types.filter((t) => !isEventType(t));
  if (unknown.length > 0) throw invalid('unknown event types', { in: 'querystring', field: 'type', unknown });
  return types;
}

/** One page of the audit log, newest first; the extra event probed for tells whether more follow. */
async function auditPage(ctx: EventsApiContext, req: FastifyRequest, reply: FastifyReply, q: Query) {
  const { n, last } = probe(q);
  const filter: AuditFilter = { limit: n };
  const types = typesOf(q.type);
  if (types) filter.types = types;
  if (q.project !== undefined) filter.project = q.project;
  if (q.actor !== undefined) filter.actor = q.actor;
  if (q.from !== undefined) filter.from = new Date(q.from);
  if (q.to !== undefined) filter.to = new Date(q.to);
  if (last !== undefined) filter.cursor = last;
  const { events } = await ctx.events.audit.query(filter);
  return page(req, reply, q, events, (e) => e.id);
}

/**
 * The audit log: every push, pull, delete, tag move, login failure and policy refusal. System-wide
 * for system administrators; per project for whoever may `manage` it (see docs/permissions.md).
 */
export async function auditRoutes(app: ApiApp, ctx: EventsApiContext): Promise<void> {
  app.get(
    '/audit',
    {
      schema: {
        operationId: 'listAuditEvents',
        summary: 'The audit log, newest first (system administrators)',
        tags,
        querystring: AuditQuery,
        response: { 200: Type.Array(AuditEvent), ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      return auditPage(ctx, req, reply, req.query);
    },
  );

  app.get(
    '/projects/:project/audit',
    {
      schema: {
        operationId: 'listProjectAuditEvents',
        summary: 'The audit log of one project, newest first (project admins)',
        tags,
        params: ProjectParams,
        querystring: ProjectAuditQuery,
        response: { 200: Type.Array(AuditEvent), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'manage');
      return auditPage(ctx, req, reply, { ...req.query, project });
    },
  );
}
