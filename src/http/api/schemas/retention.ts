import { Type } from '@sinclair/typebox';
import { DateTime, IdParam, Nullable, ProjectName, Strict } from './common.js';
import { SelectorInput, SelectorView } from './selectors.js';

const Kind = Type.Union(
  [
    Type.Literal('latestPushed'),
    Type.Literal('latestPulled'),
    Type.Literal('pushedWithinDays'),
    Type.Literal('pulledWithinDays'),
    Type.Literal('always'),
  ],
  { description: 'Which artifacts of its scope the rule keeps' },
);

const Label = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 128 }),
    value: Type.Optional(Type.String({ maxLength: 256, description: 'Any value when absent' })),
  },
  { ...Strict, description: 'Only artifacts carrying this label are in the rule’s scope' },
);

export const RuleInput = Type.Object(
  {
    kind: Kind,
    n: Type.Optional(Type.Integer({ description: 'latestPushed, latestPulled: how many to keep' })),
    days: Type.Optional(Type.Integer({ description: 'pushedWithinDays, pulledWithinDays' })),
    repositories: Type.Optional(
      SelectorInput('Repository names without the project prefix; default: matching **'),
    ),
    tags: Type.Optional(SelectorInput('Tags in the rule’s scope; default: matching **')),
    untagged: Type.Optional(
      Type.Boolean({ description: 'Untagged artifacts are in scope too; default false' }),
    ),
    label: Type.Optional(Label),
  },
  Strict,
);

export const PolicyInput = Type.Object(
  {
    rules: Type.Array(RuleInput, { description: 'OR-ed: an artifact any rule keeps stays' }),
    schedule: Type.Optional(
      Nullable(
        Type.String({ description: '`HH:MM` (UTC, daily) or `<n>s|m|h`; null or absent: on demand only' }),
      ),
    ),
    enabled: Type.Optional(
      Type.Boolean({ description: 'Scheduled runs happen only when enabled; default true' }),
    ),
  },
  Strict,
);

const RuleView = Type.Object({
  kind: Kind,
  n: Type.Optional(Type.Integer()),
  days: Type.Optional(Type.Integer()),
  repositories: SelectorView,
  tags: SelectorView,
  untagged: Type.Boolean(),
  label: Type.Optional(Type.Object({ key: Type.String(), value: Type.Optional(Type.String()) })),
});

export const Policy = Type.Object(
  {
    project: Type.String(),
    rules: Type.Array(RuleView),
    schedule: Nullable(Type.String()),
    enabled: Type.Boolean(),
    updatedAt: DateTime(),
  },
  { title: 'RetentionPolicy' },
);

const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const Run = Type.Object(
  {
    id: Type.Integer({ description: 'Increasing: the cursor of the history' }),
    project: Type.String(),
    trigger: Type.Union([Type.Literal('manual'), Type.Literal('schedule')]),
    dryRun: Type.Boolean(),
    status: Type.Union([
      Type.Literal('running'),
      Type.Literal('succeeded'),
      Type.Literal('partial'),
      Type.Literal('failed'),
    ]),
    startedAt: DateTime(),
    finishedAt: Nullable(DateTime()),
    tagsRemoved: Count('Tags removed (or, dry, that would be), with those of deleted manifests'),
    manifestsDeleted: Count('Manifests deleted, attachments and index children included'),
    retained: Count('Artifacts in scope that a rule or immutability kept'),
    failed: Count('Items refused or failed (and attachments of those not deleted)'),
    error: Nullable(Type.String({ description: 'Why the run failed as a whole' })),
  },
  { title: 'RetentionRun' },
);

export const Item = Type.Object({
  repository: Type.String(),
  digest: Type.String(),
  action: Type.Union([Type.Literal('untag'), Type.Literal('delete'), Type.Literal('retain')]),
  tags: Type.Array(Type.String(), {
    description: 'untag: removed; delete: every tag it had; retain: its tags',
  }),
  reason: Type.String(),
  rule: Nullable(Type.Integer({ description: 'The 1-based rule that kept it' })),
  outcome: Type.Union([
    Type.Literal('planned'),
    Type.Literal('done'),
    Type.Literal('failed'),
    Type.Literal('skipped'),
    Type.Literal('kept'),
  ]),
  error: Nullable(Type.String()),
});

export const RunDetail = Type.Composite([Run, Type.Object({ items: Type.Array(Item) })], {
  title: 'RetentionRunDetail',
});

export const RunBody = Type.Object(
  { dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Plan only; change nothing' })) },
  { ...Strict, description: 'Run now (an empty body is a real run)' },
);

export const RunParams = Type.Object({ project: ProjectName, id: IdParam });
