import { type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import { DEFAULT_PAGE, MAX_PAGE } from '../pagination.js';
import { DateTime, IdParam, Nullable, ProjectName, Strict } from './common.js';

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

const oneOf = <const T extends readonly string[]>(values: T, description?: string): TUnion<Literals<T>> =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  ) as unknown as TUnion<Literals<T>>;

const Mode = oneOf(
  ['push', 'pull'] as const,
  'push: this registry → the endpoint; pull: the endpoint → this registry',
);

const Credentials = Type.Union(
  [
    Type.Object(
      {
        type: Type.Literal('basic'),
        username: Type.String({ minLength: 1, maxLength: 512 }),
        password: Type.String({ minLength: 1, maxLength: 8192, description: 'A password or access token' }),
      },
      Strict,
    ),
    Type.Object(
      { type: Type.Literal('token'), token: Type.String({ minLength: 1, maxLength: 16384 }) },
      Strict,
    ),
  ],
  { description: 'Stored sealed (AES-256-GCM); never returned' },
);

const Endpoint = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'The registry origin: `https://ghcr.io`, `https://registry.example.com:5000`',
    }),
    insecure: Type.Optional(Type.Boolean({ description: 'Allow http, or https without certificate checks' })),
    credentials: Type.Optional(Nullable(Credentials)),
  },
  Strict,
);

const EndpointPatch = Type.Object(
  {
    url: Type.Optional(Endpoint.properties.url),
    insecure: Type.Optional(Type.Boolean()),
    credentials: Type.Optional(Nullable(Credentials)),
  },
  Strict,
);

const Glob = (description: string) => Type.String({ minLength: 1, maxLength: 512, description });

const Filters = Type.Object(
  {
    repository: Type.Optional(Glob('Repository glob: `**` crosses `/`, `*` does not, `{a,b}` alternatives')),
    tag: Type.Optional(Glob('Tag glob (`v*`)')),
    label: Type.Optional(
      Type.String({ minLength: 1, maxLength: 400, description: '`key` or `key=value` (push mode)' }),
    ),
    artifactType: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'artifactType, else the config media type' }),
    ),
  },
  Strict,
);

const Trigger = Type.Union(
  [
    Type.Object({ kind: Type.Literal('manual') }, Strict),
    Type.Object({ kind: Type.Literal('onPush') }, Strict),
    Type.Object(
      {
        kind: Type.Literal('cron'),
        schedule: Type.String({
          maxLength: 16,
          description: '`HH:MM` daily (UTC), or an interval: `30s`, `15m`, `6h`',
        }),
      },
      Strict,
    ),
  ],
  { description: 'When the policy runs (besides on request)' },
);

const Namespace = Nullable(
  Type.String({ maxLength: 255, description: 'Prefixed to repository names at the destination' }),
);

export const NewPolicy = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    project: Type.Optional(Nullable(ProjectName)),
    mode: Mode,
    endpoint: Endpoint,
    filters: Type.Optional(Filters),
    trigger: Type.Optional(Trigger),
    destinationNamespace: Type.Optional(Namespace),
    deleteReplication: Type.Optional(Type.Boolean({ description: 'Replicate deletions (push, onPush)' })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  Strict,
);

export const PolicyPatch = Type.Object(
  {
    name: Type.Optional(NewPolicy.properties.name),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    project: Type.Optional(Nullable(ProjectName)),
    mode: Type.Optional(Mode),
    endpoint: Type.Optional(EndpointPatch),
    filters: Type.Optional(Filters),
    trigger: Type.Optional(Trigger),
    destinationNamespace: Type.Optional(Namespace),
    deleteReplication: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(Type.Boolean()),
  },
  { ...Strict, minProperties: 1 },
);

export const Policy = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    project: Nullable(Type.String()),
    mode: Mode,
    endpoint: Type.Object({
      url: Type.String(),
      insecure: Type.Boolean(),
      credentials: Nullable(
        Type.Object({ type: oneOf(['basic', 'token'] as const) }, { description: 'Only the type' }),
      ),
    }),
    filters: Filters,
    trigger: Trigger,
    destinationNamespace: Nullable(Type.String()),
    deleteReplication: Type.Boolean(),
    enabled: Type.Boolean(),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { title: 'ReplicationPolicy' },
);

export const PolicyParams = Type.Object({ id: IdParam });

export const RunBody = Type.Object(
  { dryRun: Type.Optional(Type.Boolean({ description: 'List what a run would copy; copy nothing' })) },
  { ...Strict, description: 'Run now (an empty body is a real run)' },
);

const Counts = Type.Object({
  total: Type.Integer(),
  pending: Type.Integer({ description: 'Queued, running or waiting for a retry' }),
  copied: Type.Integer(),
  skipped: Type.Integer({ description: 'The destination had everything' }),
  failed: Type.Integer(),
  planned: Type.Integer({ description: 'Dry runs: would be copied' }),
  deleted: Type.Integer(),
});

const ExecutionFields = {
  id: Type.Integer({ description: 'The paging cursor' }),
  policyId: Type.Integer(),
  trigger: oneOf(['manual', 'cron', 'onPush'] as const),
  dryRun: Type.Boolean(),
  status: oneOf(['queued', 'running', 'succeeded', 'failed'] as const),
  error: Nullable(Type.String()),
  jobId: Nullable(Type.Integer()),
  counts: Counts,
  createdAt: DateTime(),
  startedAt: Nullable(DateTime()),
  finishedAt: Nullable(DateTime()),
};

export const Execution = Type.Object(ExecutionFields, { title: 'ReplicationExecution' });

export const ArtifactResult = Type.Object(
  {
    id: Type.Integer(),
    repository: Type.String({ description: 'At the source' }),
    destination: Type.String({ description: 'At the destination' }),
    tag: Nullable(Type.String()),
    digest: Nullable(Type.String()),
    status: oneOf([
      'pending',
      'running',
      'retrying',
      'copied',
      'skipped',
      'failed',
      'planned',
      'deleted',
    ] as const),
    bytes: Type.Integer({ description: 'Bytes moved (dry runs: to move)' }),
    attempts: Type.Integer(),
    error: Nullable(Type.String()),
    detail: Nullable(Type.Record(Type.String(), Type.Unknown())),
    startedAt: Nullable(DateTime()),
    finishedAt: Nullable(DateTime()),
  },
  { title: 'ReplicationArtifact' },
);

export const ExecutionDetail = Type.Object(
  { ...ExecutionFields, artifacts: Type.Array(ArtifactResult) },
  { title: 'ReplicationExecutionDetail' },
);

export const ExecutionQuery = Type.Object({
  policy: Type.Optional({ ...IdParam, description: 'A policy id' }),
  n: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE, description: 'Page size' }),
  ),
  last: Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{0,14}$',
      description: 'Id of the last execution of the previous page',
    }),
  ),
});

export const ExecutionParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
