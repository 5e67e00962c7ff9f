import { Type } from '@sinclair/typebox';
import type { ApiApp, ReplicationApiContext } from '../context.js';
import { beforeId, page, probe } from '../pagination.js';
import { requireAdmin } from '../permissions.js';
import { errors, NoContent } from '../schemas/common.js';
import {
  Execution,
  ExecutionDetail,
  ExecutionParams,
  ExecutionQuery,
  NewPolicy,
  Policy,
  PolicyParams,
  PolicyPatch,
  RunBody,
} from '../schemas/replication.js';

const tags = ['replication'];

async function policyRoutes(app: ApiApp, ctx: ReplicationApiContext): Promise<void> {
  const r = ctx.replication;
  app.get(
    '/replication/policies',
    {
      schema: {
        operationId: 'listReplicationPolicies',
        summary: 'Replication policies, by id (system admins; never their credentials)',
        tags,
        response: { 200: Type.Array(Policy), ...errors(403) },
      },
    },
    async (req) => {
      requireAdmin(ctx.principal(req));
      return r.listPolicies();
    },
  );

  app.post(
    '/replication/policies',
    {
      schema: {
        operationId: 'createReplicationPolicy',
        summary: 'Add a replication policy (system admins)',
        tags,
        body: NewPolicy,
        response: { 201: Policy, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      return reply.code(201).send(await r.createPolicy(req.body));
    },
  );

  app.get(
    '/replication/policies/:id',
    {
      schema: {
        operationId: 'getReplicationPolicy',
        summary: 'One replication policy',
        tags,
        params: PolicyParams,
        response: { 200: Policy, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      requireAdmin(ctx.principal(req));
      return r.getPolicy(req.params.id);
    },
  );

  app.patch(
    '/replication/policies/:id',
    {
      schema: {
        operationId: 'updateReplicationPolicy',
        summary: 'Change a replication policy (credentials: replaced when given, removed with null)',
        tags,
        params: PolicyParams,
        body: PolicyPatch,
        response: { 200: Policy, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => {
      requireAdmin(ctx.principal(req));
      return r.updatePolicy(req.params.id, req.body);
    },
  );

  app.delete(
    '/replication/policies/:id',
    {
      schema: {
        operationId: 'deleteReplicationPolicy',
        summary: 'Delete a replication policy and its execution history',
        tags,
        params: PolicyParams,
        response: { 204: NoContent, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      await r.deletePolicy(req.params.id);
      return reply.code(204).send(null);
    },
  );
}

async function executionRoutes(app: ApiApp, ctx: ReplicationApiContext): Promise<void> {
  const r = ctx.replication;
  app.post(
    '/replication/policies/:id/executions',
    {
      schema: {
        operationId: 'runReplicationPolicy',
        summary: 'Run a policy now (or, with dryRun, list what it would copy); the execution, queued',
        tags,
        params: PolicyParams,
        body: RunBody,
        response: { 201: Execution, ...errors(400, 403, 404) },
      },
      // No body at all (a bare POST) is a real run, like an empty object.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      const execution = await r.run(req.params.id, { dryRun: req.body.dryRun === true });
      return reply.code(201).send(execution);
    },
  );

  app.get(
    '/replication/executions',
    {
      schema: {
        operationId: 'listReplicationExecutions',
        summary: 'Executions, newest first, optionally of one policy',
        tags,
        querystring: ExecutionQuery,
        response: { 200: Type.Array(Execution), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      const { n, last } = probe(req.query);
      const before = beforeId(last);
      const list = await r.executions({
        limit: n,
        ...(req.query.policy !== undefined ? { policyId: req.query.policy } : {}),
        ...(before === undefined ? {} : { before }),
      });
      return page(req, reply, req.query, list, (e) => String(e.id));
    },
  );

  app.get(
    '/replication/executions/:id',
    {
      schema: {
        operationId: 'getReplicationExecution',
        summary: 'One execution with its per-artifact results',
        tags,
        params: ExecutionParams,
        response: { 200: ExecutionDetail, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      requireAdmin(ctx.principal(req));
      return r.execution(req.params.id);
    },
  );
}

/** Replication policies and executions; every route is for system administrators. */
export async function replicationRoutes(app: ApiApp, ctx: ReplicationApiContext): Promise<void> {
  await policyRoutes(app, ctx);
  await executionRoutes(app, ctx);
}
