import { type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import type { DeliveryStatus, WebhookFormat } from '../../../ports/event-store.js';
import { type ActorKind, EVENT_TYPES, type Outcome } from '../../../services/events/index.js';
import { DEFAULT_PAGE, MAX_PAGE } from '../pagination.js';
import { DateTime, DateTimeInput, IdParam, Nullable, ProjectName, Strict } from './common.js';

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/** One of the strings: a union of literals (the type provider infers it from a tuple, as for Role). */
const oneOf = <const T extends readonly string[]>(values: T, description?: string): TUnion<Literals<T>> =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  ) as unknown as TUnion<Literals<T>>;

const ACTOR_KINDS = ['user', 'robot', 'anonymous', 'system'] as const satisfies readonly ActorKind[];
const OUTCOMES = ['success', 'failure'] as const satisfies readonly Outcome[];
const FORMATS = ['harbor', 'cloudevents'] as const satisfies readonly WebhookFormat[];
const DELIVERY_STATUSES = ['pending', 'success', 'failed'] as const satisfies readonly DeliveryStatus[];

export const EventTypeName = oneOf(EVENT_TYPES, 'An event type');

export const AuditEvent = Type.Object(
  {
    id: Type.String({ description: 'Time-ordered UUID (v7); the paging cursor' }),
    type: EventTypeName,
    occurredAt: DateTime(),
    actor: Type.Object({
      name: Type.String({ description: '`anonymous` or `system` for those kinds' }),
      kind: oneOf(ACTOR_KINDS),
    }),
    clientIp: Type.String({ description: 'Empty when not known (work outside a request)' }),
    project: Nullable(Type.String()),
    repository: Nullable(Type.String()),
    digest: Nullable(Type.String()),
    tag: Nullable(Type.String()),
    mediaType: Nullable(Type.String()),
    outcome: oneOf(OUTCOMES),
    detail: Nullable(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Event-specific facts (error code, previous digest of a moved tag, quota numbers…)',
      }),
    ),
  },
  { title: 'AuditEvent' },
);

/** `n` as everywhere; `last` is the id of the previous page's last event. */
const eventFilters = {
  actor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 300, description: 'Actor name (`alice`, `robot$team+ci`)' }),
  ),
  type: Type.Optional(
    Type.String({
      maxLength: 500,
      description: `Comma-separated event types, any of: ${EVENT_TYPES.join(', ')}`,
    }),
  ),
  from: Type.Optional(DateTimeInput('Events at or after this time (RFC 3339)')),
  to: Type.Optional(DateTimeInput('Events before this time (RFC 3339)')),
  n: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE, description: 'Page size' }),
  ),
  last: Type.Optional(
    Type.String({
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      description: 'Id of the last event of the previous page',
    }),
  ),
};

export const ProjectAuditQuery = Type.Object(eventFilters);

export const AuditQuery = Type.Object({
  project: Type.Optional(ProjectName),
  ...eventFilters,
});

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://\\S+$',
  description: 'Where events are POSTed: an http or https URL, fetched from the server',
});

const WebhookSecret = Type.String({
  minLength: 16,
  maxLength: 512,
  description: 'HMAC-SHA256 key of `X-Wharf-Signature`; generated when omitted',
});

const EventTypes = Type.Array(EventTypeName, {
  maxItems: EVENT_TYPES.length,
  description: 'Event types to deliver; empty: all',
});

const Format = oneOf(FORMATS, "Harbor's payload, or CloudEvents 1.0 structured JSON");

const WebhookFields = {
  id: Type.Integer(),
  project: Type.String(),
  url: Type.String(),
  eventTypes: EventTypes,
  format: Format,
  enabled: Type.Boolean(),
  createdAt: DateTime(),
};

export const Webhook = Type.Object(WebhookFields, { title: 'Webhook' });

export const WebhookWithSecret = Type.Object(
  { ...WebhookFields, secret: Type.String({ description: 'Shown here only, once' }) },
  { title: 'WebhookWithSecret' },
);

export const NewWebhook = Type.Object(
  {
    url: WebhookUrl,
    secret: Type.Optional(WebhookSecret),
    eventTypes: Type.Optional(EventTypes),
    format: Type.Optional(Format),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  Strict,
);

export const WebhookPatch = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    secret: Type.Optional(WebhookSecret),
    eventTypes: Type.Optional(EventTypes),
    format: Type.Optional(Format),
    enabled: Type.Optional(Type.Boolean()),
  },
  { ...Strict, minProperties: 1 },
);

export const WebhookParams = Type.Object({
  project: ProjectName,
  id: IdParam,
});

export const Delivery = Type.Object(
  {
    id: Type.Integer({ description: 'The paging cursor' }),
    webhookId: Type.Integer(),
    eventId: Type.String({ description: 'The audit event delivered' }),
    attempt: Type.Integer({ description: '1 for the first try' }),
    status: oneOf(DELIVERY_STATUSES),
    responseStatus: Nullable(Type.Integer()),
    error: Nullable(Type.String()),
    durationMs: Nullable(Type.Integer()),
    createdAt: DateTime(),
  },
  { title: 'Delivery' },
);

export const DeliveryQuery = Type.Object({
  n: eventFilters.n,
  last: Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{0,14}$',
      description: 'Id of the last delivery of the previous page',
    }),
  ),
});
