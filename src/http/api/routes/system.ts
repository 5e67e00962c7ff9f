import { Type } from '@sinclair/typebox';
import type { ApiApp, ApiContext, ApiSystem } from '../context.js';
import { beforeId, PageQuery, page, probe } from '../pagination.js';
import { requireAdmin } from '../permissions.js';
import { errors } from '../schemas/common.js';
import { GcRequest, GcRun, ScrubReport } from '../schemas/system.js';

const tags = ['system'];

type SystemApiContext = ApiContext & { system: ApiSystem };

/**
 * Garbage collection and scrub, for system administrators. Both run while the caller waits and
 * answer with their report; neither needs the registry to be read-only.
 */
export async function systemRoutes(app: ApiApp, ctx: SystemApiContext): Promise<void> {
  app.post(
    '/system/gc',
    {
      schema: {
        operationId: 'runGarbageCollection',
        summary: 'Collect unreferenced blobs now (or report what would go, with dryRun)',
        tags,
        body: GcRequest,
        response: { 200: GcRun, ...errors(400, 403) },
      },
      // No body at all (a bare POST) is a real run, like an empty object.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => {
      requireAdmin(ctx.principal(req));
      return ctx.system.gc({ dryRun: req.body.dryRun === true });
    },
  );

  app.get(
    '/system/gc',
    {
      schema: {
        operationId: 'listGarbageCollections',
        summary: 'The garbage collection history, newest first',
        tags,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(GcRun), ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      const { n, last } = probe(req.query);
      const before = beforeId(last);
      const runs = await ctx.system.runs({ limit: n, ...(before !== undefined ? { before } : {}) });
      return page(req, reply, req.query, runs, (r) => String(r.id));
    },
  );

  app.post(
    '/system/scrub',
    {
      schema: {
        operationId: 'scrubBlobs',
        summary: "Verify every stored blob's digest and size; reports, never deletes",
        tags,
        response: { 200: ScrubReport, ...errors(403) },
      },
    },
    async (req) => {
      requireAdmin(ctx.principal(req));
      return ctx.system.scrub();
    },
  );
}
