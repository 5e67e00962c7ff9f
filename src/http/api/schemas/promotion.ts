import { Type } from '@sinclair/typebox';
import { DateTime, Nullable, Strict } from './common.js';

const Names = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 32, description });

const GateFields = {
  from: Names('Projects an artifact may be promoted from; [] (the default): any'),
  requireSignature: Type.Boolean({
    description: "Signed by one of this (the target) project's supplyChain.trustedKeys",
  }),
  requiredAttestations: Names(
    'Predicate types (`https://slsa.dev/provenance/v1`) each attached and signed by a trusted key',
  ),
  requiredApprovals: Names('Named approvals (`qa-signoff`), each recorded for the digest and this project'),
  tagPattern: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description:
        'A tag glob the promoted tag must match (`rel-*`, `v{1,2}.*`; `*` and `?` within the tag, `{a,b}` alternatives); null (the default): semver',
    }),
  ),
};

export const GatesInput = Type.Object(
  {
    from: Type.Optional(GateFields.from),
    requireSignature: Type.Optional(GateFields.requireSignature),
    requiredAttestations: Type.Optional(GateFields.requiredAttestations),
    requiredApprovals: Type.Optional(GateFields.requiredApprovals),
    tagPattern: Type.Optional(GateFields.tagPattern),
  },
  { ...Strict, description: 'Replaces the gates; an absent field takes its default' },
);

export const Gates = Type.Object(
  { project: Type.String(), ...GateFields, updatedBy: Type.String(), updatedAt: DateTime() },
  { title: 'PromotionGates' },
);

export const GateResult = Type.Object(
  { gate: Type.String(), ok: Type.Boolean(), reason: Type.String() },
  { title: 'GateResult' },
);

const ActorFields = {
  actor: Type.String({ description: 'Who: a user, a robot, or system' }),
};

export const Promotion = Type.Object(
  {
    id: Type.Integer(),
    repository: Type.String({ description: 'The repository promoted into' }),
    tag: Type.String({ description: 'The tag produced: immutable from now on' }),
    digest: Type.String(),
    source: Type.String({ description: '`dev/app@sha256:…`' }),
    ...ActorFields,
    at: DateTime(),
    gates: Type.Array(GateResult, { description: 'Every gate evaluated, with its verdict' }),
  },
  { title: 'Promotion' },
);

export const PromoteInput = Type.Object(
  {
    source: Type.String({
      minLength: 3,
      maxLength: 800,
      description: '`dev/app@sha256:…` or `dev/app:1.4.0` (a tag is resolved once; the gates see the digest)',
    }),
    tag: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$',
        description: 'The tag to produce; default: the source tag when it is semver',
      }),
    ),
  },
  Strict,
);

export const ApprovalInput = Type.Object(
  {
    target: Type.String({ minLength: 1, maxLength: 255, description: 'The project the approval is for' }),
    name: Type.String({ minLength: 1, maxLength: 64, description: 'The approval (`qa-signoff`)' }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  Strict,
);

export const Approval = Type.Object(
  {
    digest: Type.String(),
    target: Type.String(),
    name: Type.String(),
    ...ActorFields,
    comment: Nullable(Type.String()),
    at: DateTime(),
  },
  { title: 'Approval' },
);

export const RollbackInput = Type.Object(
  {
    digest: Type.String({ pattern: '^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$', maxLength: 200 }),
    tag: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$',
        description: 'The tag to move back; default: the one tag whose history holds the digest',
      }),
    ),
  },
  Strict,
);

export const Rollback = Type.Object(
  {
    repository: Type.String(),
    tag: Type.String(),
    from: Nullable(Type.String({ description: 'The digest the tag pointed at before' })),
    to: Type.String(),
  },
  { title: 'Rollback' },
);

export const RevokeInput = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000, description: 'Why (shown to refused pulls)' })) },
  Strict,
);

export const Revocation = Type.Object(
  {
    digest: Type.String(),
    parent: Nullable(Type.String({ description: 'Revoked as a child of this index' })),
    repository: Type.String({ description: 'Where it was revoked' }),
    reason: Type.String(),
    ...ActorFields,
    at: DateTime(),
  },
  { title: 'Revocation' },
);

export const Revoked = Type.Object(
  {
    revocation: Revocation,
    tag: Type.String({ description: 'The `revoked-YYYYMMDD[-N]` tag now on the digest here' }),
  },
  { title: 'Revoked' },
);
