import { Type } from '@sinclair/typebox';
import { DateTime, Nullable, ProjectName, Strict } from './common.js';

const supplyChainFields = {
  requireSigned: Type.Boolean({
    description:
      'Manifest pulls need a cosign signature by a trusted key (412 DENIED otherwise); signatures, ' +
      'attestations and SBOMs themselves stay pullable',
  }),
  trustedKeys: Type.Array(Type.String({ minLength: 1, maxLength: 16384 }), {
    maxItems: 16,
    description: 'PEM public keys (cosign.pub), one per entry; stored re-encoded and without duplicates',
  }),
  provenanceTagPattern: Nullable(
    Type.String({
      pattern: '^[A-Za-z0-9_.*?-]{1,128}$',
      description:
        'A tag glob (`*` any run of characters, `?` one; `v*`): pushing a matching tag needs a SLSA ' +
        'provenance attestation signed by a trusted key (403 DENIED otherwise); null: no such rule',
    }),
  ),
};

export const SupplyChain = Type.Object(supplyChainFields, {
  title: 'SupplyChain',
  description: "The project's signature and provenance rules",
});

/** A change to the rules: the fields given replace the current ones. */
export const SupplyChainPatch = Type.Object(
  {
    requireSigned: Type.Optional(supplyChainFields.requireSigned),
    trustedKeys: Type.Optional(supplyChainFields.trustedKeys),
    provenanceTagPattern: Type.Optional(supplyChainFields.provenanceTagPattern),
  },
  { ...Strict, minProperties: 1 },
);

const upstream = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'The upstream registry origin: `https://registry-1.docker.io` (or `docker.io`), `http://10.0.0.5:5000`',
});
const repositoryPrefix = Nullable(
  Type.String({
    minLength: 1,
    maxLength: 200,
    description:
      'Put before the path under the project upstream (`myorg`: `proxy/app` is `myorg/app`); null: none. ' +
      'Docker Hub single names get `library/` either way',
  }),
);

export const ProxySetting = Type.Object(
  {
    upstream,
    repositoryPrefix,
    credentials: Type.Union([Type.Object({ username: Type.String() }), Type.Null()], {
      description: 'The upstream login (its password is never returned); null: anonymous',
    }),
  },
  {
    title: 'ProxySetting',
    description: 'A proxy cache project: pulls fetch from the upstream and are cached',
  },
);

/** A proxy setting in a request; the password is accepted here and never shown again. */
export const ProxyInput = Type.Union(
  [
    Type.Object(
      {
        upstream,
        repositoryPrefix: Type.Optional(repositoryPrefix),
        credentials: Type.Optional(
          Type.Union(
            [
              Type.Object(
                {
                  username: Type.String({ minLength: 1, maxLength: 255 }),
                  password: Type.String({ minLength: 1, maxLength: 4096 }),
                },
                Strict,
              ),
              Type.Null(),
            ],
            {
              description:
                'Upstream login, stored sealed (AES-256-GCM). Omitted: kept while the upstream is unchanged; null: anonymous',
            },
          ),
        ),
      },
      Strict,
    ),
    Type.Null(),
  ],
  {
    description:
      'Makes the project a read-only proxy cache of an upstream registry (system admins); null: not one',
  },
);

export const Project = Type.Object(
  {
    name: ProjectName,
    public: Type.Boolean({ description: 'Anyone may pull (and, once logged in, list)' }),
    quotaBytes: Nullable(Type.Integer({ minimum: 0, description: 'Storage quota; null: unlimited' })),
    pullRatePerMinute: Nullable(
      Type.Integer({ minimum: 1, description: 'Pulls per minute; null: unlimited' }),
    ),
    supplyChain: SupplyChain,
    proxy: Type.Union([ProxySetting, Type.Null()]),
    createdAt: DateTime(),
  },
  { title: 'Project' },
);

export const ProjectParams = Type.Object({ project: ProjectName });

export const Role = Type.Union(
  [
    Type.Literal('projectAdmin'),
    Type.Literal('maintainer'),
    Type.Literal('developer'),
    Type.Literal('guest'),
    Type.Literal('limitedGuest'),
  ],
  { description: "Harbor's project roles" },
);

export const Username = Type.String({
  pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$',
  description: 'A user name',
});

export const Member = Type.Object({ username: Type.String(), role: Role }, { title: 'Member' });

export const User = Type.Object(
  {
    username: Type.String(),
    email: Nullable(Type.String()),
    admin: Type.Boolean(),
    disabled: Type.Boolean(),
    createdAt: DateTime(),
  },
  { title: 'User' },
);

export const RepoAction = Type.Union([
  Type.Literal('pull'),
  Type.Literal('push'),
  Type.Literal('delete'),
  Type.Literal('list'),
]);

export const RobotPermission = Type.Object({
  project: Type.String({
    minLength: 1,
    maxLength: 255,
    description: "A project name, or '*' (system robots)",
  }),
  actions: Type.Array(RepoAction, { minItems: 1, uniqueItems: true }),
});

export const Robot = Type.Object(
  {
    name: Type.String({ description: '`robot$<project>+<name>` or `robot$<name>` (system robots)' }),
    project: Nullable(Type.String()),
    description: Nullable(Type.String()),
    permissions: Type.Array(RobotPermission),
    expiresAt: Nullable(DateTime()),
    disabled: Type.Boolean(),
    createdAt: DateTime(),
  },
  { title: 'Robot' },
);

export const RobotWithSecret = Type.Composite([Robot, Type.Object({ secret: Type.String() })], {
  title: 'RobotWithSecret',
  description: 'The secret is shown once, here; it is never returned again.',
});
