import { Type } from '@sinclair/typebox';
import { isRepositoryName } from '../../../oci/names.js';
import type { ApiApp, ApiContext } from '../context.js';
import { invalid, notFound } from '../errors.js';
import { PageQuery, page, probe } from '../pagination.js';
import { projectActions } from '../permissions.js';
import { DateTime, errors, Nullable, ProjectName } from '../schemas/common.js';
import { LABEL_FILTER, labelFilter } from '../schemas/labels.js';

const tags = ['repositories'];

const Repository = Type.Object(
  {
    name: Type.String({ description: 'Full name, project included' }),
    artifactCount: Type.Integer(),
    tagCount: Type.Integer(),
    sizeBytes: Type.Integer({ description: 'Distinct blobs linked here plus manifests' }),
    updatedAt: DateTime(),
  },
  { title: 'Repository' },
);

const Platform = Type.Object({
  os: Type.String(),
  architecture: Type.String(),
  variant: Type.Optional(Type.String()),
  osVersion: Type.Optional(Type.String()),
});

const ArtifactFields = {
  digest: Type.String(),
  mediaType: Type.String(),
  artifactType: Nullable(Type.String()),
  subject: Nullable(Type.String({ description: 'Digest of the manifest this one refers to' })),
  size: Type.Integer({ description: 'Manifest, child manifests and every distinct blob they reference' }),
  tags: Type.Array(Type.String()),
  platforms: Type.Array(Platform, { description: "An index's children's platforms (from its descriptors)" }),
  pushedAt: DateTime('The last push of this digest (a re-push counts)'),
  pulledAt: Nullable(DateTime('The last GET of this manifest (recorded about a second late); null: never')),
  tagTimes: Type.Array(
    Type.Object({
      name: Type.String(),
      pushedAt: DateTime('The last push through this tag'),
      pulledAt: Nullable(DateTime('The last GET by this tag while it pointed here; null: never')),
    }),
    { description: "The tags' push and pull times" },
  ),
  labels: Type.Record(Type.String(), Type.String(), { description: 'Labels, key → value' }),
};

const Artifact = Type.Object(ArtifactFields, { title: 'Artifact' });

const Attachment = Type.Object(
  {
    kind: Type.Union(
      [Type.Literal('signature'), Type.Literal('attestation'), Type.Literal('sbom'), Type.Literal('other')],
      { description: 'signature (simple signing, or a bundle of cosign sign), attestation, SBOM, or other' },
    ),
    source: Type.Union([Type.Literal('referrer'), Type.Literal('tag')], {
      description: "An OCI referrer, or one of cosign's sha256-<hex>.sig|att|sbom tags",
    }),
    manifest: Type.String({ description: 'The manifest holding it' }),
    tag: Nullable(Type.String({ description: 'The cosign tag; null for referrers' })),
    layer: Nullable(
      Type.String({ description: 'The layer holding it; null for a referrer of unknown shape' }),
    ),
    mediaType: Type.String(),
    predicateType: Nullable(
      Type.String({ description: "The attestation's predicateType (from the statement once verified)" }),
    ),
    verified: Nullable(
      Type.Boolean({
        description:
          "Whether it verifies with one of the project's trusted keys; null: not checked (no trusted keys, or nothing signed)",
      }),
    ),
    reason: Nullable(Type.String({ description: 'Why it does not verify' })),
  },
  { title: 'Attachment' },
);

const ArtifactDetail = Type.Object(
  {
    ...ArtifactFields,
    attachments: Type.Array(Attachment, {
      description: 'Signatures, attestations and SBOMs stored for this artifact (referrers and cosign tags)',
    }),
    referrers: Type.Array(
      Type.Object({
        digest: Type.String(),
        mediaType: Type.String(),
        artifactType: Nullable(Type.String()),
        size: Type.Integer(),
        annotations: Nullable(Type.Record(Type.String(), Type.String())),
        pushedAt: DateTime(),
      }),
    ),
  },
  { title: 'ArtifactDetail' },
);

export const RepositoryName = Type.String({
  minLength: 1,
  maxLength: 600,
  description:
    'The full repository name (project included) with each `/` percent-encoded once (`team%2Fapi`); ' +
    "Harbor's double encoding (`team%252Fapi`) is accepted too",
});

export const RepositoryParams = Type.Object({ project: ProjectName, repository: RepositoryName });

/** An artifact of a repository in a path: by digest or by tag. */
export const ArtifactParams = Type.Object({
  project: ProjectName,
  repository: RepositoryName,
  reference: Type.String({ minLength: 1, maxLength: 200, description: 'A digest or a tag' }),
});

/** The repository named in a path: decoded (once more if double-encoded), valid, and in the project. */
export function repositoryIn(project: string, raw: string): string {
  const name = /%2f/i.test(raw) ? decodeURIComponent(raw) : raw;
  if (!isRepositoryName(name)) throw invalid('invalid repository name', { field: 'repository', name });
  if (name !== project && !name.startsWith(`${project}/`)) {
    throw invalid(`repository ${name} is not in project ${project}`, { field: 'repository', name });
  }
  return name;
}

export async function repositoryRoutes(app: ApiApp, ctx: ApiContext): Promise<void> {
  app.get(
    '/projects/:project/repositories',
    {
      schema: {
        operationId: 'listRepositories',
        summary: 'Repositories of a project with artifact and tag counts, size and last update',
        tags,
        params: Type.Object({ project: ProjectName }),
        querystring: Type.Object({
          ...PageQuery,
          name: Type.Optional(Type.String({ maxLength: 255, description: 'Substring of the name' })),
        }),
        response: { 200: Type.Array(Repository), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      await projectActions(ctx.access, ctx.principal(req), project, 'list');
      const q = req.query;
      const repos = await ctx.catalog.repositories(project, {
        ...probe(q),
        ...(q.name ? { nameContains: q.name } : {}),
      });
      return page(req, reply, q, repos, (r) => r.name);
    },
  );

  app.get(
    '/projects/:project/repositories/:repository/artifacts',
    {
      schema: {
        operationId: 'listArtifacts',
        summary: 'Artifacts of a repository, newest first (cursor: the last digest)',
        tags,
        params: RepositoryParams,
        querystring: Type.Object({
          ...PageQuery,
          label: Type.Optional(
            Type.String({
              pattern: LABEL_FILTER,
              maxLength: 400,
              description: 'Only artifacts with this label: `key` (any value) or `key=value`',
            }),
          ),
        }),
        response: { 200: Type.Array(Artifact), ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { project } = req.params;
      const name = repositoryIn(project, req.params.repository);
      await projectActions(ctx.access, ctx.principal(req), project, 'list');
      const { label } = req.query;
      const list = await ctx.catalog.artifacts(name, {
        ...probe(req.query),
        ...(label === undefined ? {} : { label: labelFilter(label) }),
      });
      if (!list) throw notFound('repository', { name });
      return page(req, reply, req.query, list, (a) => a.digest);
    },
  );

  app.get(
    '/projects/:project/repositories/:repository/artifacts/:reference',
    {
      schema: {
        operationId: 'getArtifact',
        summary:
          'One artifact by digest or tag, with its referrers and its signatures, attestations and SBOMs',
        tags,
        params: Type.Object({
          project: ProjectName,
          repository: RepositoryName,
          reference: Type.String({ minLength: 1, maxLength: 200, description: 'A digest or a tag' }),
        }),
        response: { 200: ArtifactDetail, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const { project, reference } = req.params;
      const name = repositoryIn(project, req.params.repository);
      await projectActions(ctx.access, ctx.principal(req), project, 'pull');
      const artifact = await ctx.catalog.artifact(name, reference);
      if (!artifact) throw notFound('artifact', { name, reference });
      const found = ctx.attachments ? await ctx.attachments(name, artifact.digest) : [];
      const attachments = found.map(
        ({ kind, source, manifest, tag, layer, mediaType, predicateType, verified, reason }) => ({
          kind,
          source,
          manifest,
          tag,
          layer,
          mediaType,
          predicateType,
          verified,
          reason,
        }),
      );
      return { ...artifact, attachments };
    },
  );
}
