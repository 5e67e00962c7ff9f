import { Type } from '@sinclair/typebox';
import type { Principal } from '../../../services/access/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { conflict, denied, notFound } from '../errors.js';
import { PageQuery, page, probe } from '../pagination.js';
import { isAdmin, requireAdmin } from '../permissions.js';
import { User, Username } from '../schemas/access.js';
import { errors, NoContent, Nullable, Strict } from '../schemas/common.js';

const tags = ['users'];
const Password = Type.String({ minLength: 8, maxLength: 256 });
const Email = Nullable(Type.String({ maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }));
const UsernameParams = Type.Object({ username: Username });

const CurrentPrincipal = Type.Object(
  {
    kind: Type.Union([Type.Literal('user'), Type.Literal('robot')]),
    name: Type.String(),
    admin: Type.Boolean(),
  },
  { title: 'CurrentPrincipal' },
);

const isSelf = (p: Principal, username: string) => p.kind === 'user' && p.name === username;

export async function userRoutes(app: ApiApp, ctx: ApiContext): Promise<void> {
  app.get(
    '/users',
    {
      schema: {
        operationId: 'listUsers',
        summary: 'Local users (system administrators)',
        tags,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(User), ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      const users = await ctx.access.users.list(probe(req.query));
      return page(req, reply, req.query, users, (u) => u.username);
    },
  );

  app.post(
    '/users',
    {
      schema: {
        operationId: 'createUser',
        summary: 'Create a local user (system administrators)',
        tags,
        body: Type.Object(
          {
            username: Username,
            password: Password,
            email: Type.Optional(Email),
            admin: Type.Optional(Type.Boolean({ default: false })),
          },
          Strict,
        ),
        response: { 201: User, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => {
      requireAdmin(ctx.principal(req));
      const b = req.body;
      const user = await ctx.access.users.create({
        username: b.username,
        password: b.password,
        email: b.email ?? null,
        admin: b.admin ?? false,
      });
      return reply.code(201).header('Location', `/api/v1/users/${user.username}`).send(user);
    },
  );

  app.get(
    '/users/current',
    {
      schema: {
        operationId: 'getCurrentUser',
        summary: 'Who the caller is (a user or a robot)',
        tags,
        response: { 200: CurrentPrincipal, ...errors() },
      },
    },
    async (req) => {
      const p = ctx.principal(req);
      if (p.kind === 'anonymous') throw denied('anonymous');
      return { kind: p.kind, name: p.name, admin: isAdmin(p) };
    },
  );

  app.get(
    '/users/:username',
    {
      schema: {
        operationId: 'getUser',
        summary: 'One user (the user itself, or system administrators)',
        tags,
        params: UsernameParams,
        response: { 200: User, ...errors(403, 404) },
      },
    },
    async (req) => {
      const p = ctx.principal(req);
      if (!isSelf(p, req.params.username)) requireAdmin(p);
      const user = await ctx.access.users.get(req.params.username);
      if (!user) throw notFound('user', { username: req.params.username });
      return user;
    },
  );

  app.patch(
    '/users/:username',
    {
      schema: {
        operationId: 'updateUser',
        summary:
          'Change admin flag or disabled state (administrators), password or email (the user or administrators)',
        tags,
        params: UsernameParams,
        body: Type.Object(
          {
            admin: Type.Optional(Type.Boolean()),
            disabled: Type.Optional(Type.Boolean()),
            password: Type.Optional(Password),
            email: Type.Optional(Email),
          },
          { ...Strict, minProperties: 1 },
        ),
        response: { 200: User, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const p = ctx.principal(req);
      const b = req.body;
      if (b.admin !== undefined || b.disabled !== undefined || !isSelf(p, req.params.username))
        requireAdmin(p);
      const user = await ctx.access.users.update(req.params.username, b);
      ctx.credentialsChanged();
      return user;
    },
  );

  app.delete(
    '/users/:username',
    {
      schema: {
        operationId: 'deleteUser',
        summary: 'Delete a user (system administrators; not oneself)',
        tags,
        params: UsernameParams,
        response: { 204: NoContent, ...errors(403, 404, 409) },
      },
    },
    async (req, reply) => {
      const p = ctx.principal(req);
      requireAdmin(p);
      if (isSelf(p, req.params.username)) throw conflict('administrators cannot delete themselves');
      await ctx.access.users.delete(req.params.username);
      ctx.credentialsChanged();
      return reply.code(204).send(null);
    },
  );
}
