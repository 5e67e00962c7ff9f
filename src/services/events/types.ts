/**
 * The event model. Type names are Harbor's (so existing webhook receivers work) plus Wharf's own
 * (`TAG_MOVED`, `LOGIN_FAILED`, `POLICY_DECISION`, `GC_RUN`). Add a name here to add an event type: the store
 * keeps types as text, and webhook filters are checked against this list.
 */
export const EVENT_TYPES = [
  'PUSH_ARTIFACT',
  'PULL_ARTIFACT',
  'DELETE_ARTIFACT',
  'TAG_MOVED',
  'LOGIN_FAILED',
  'POLICY_DECISION',
  'GC_RUN',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export type ActorKind = 'user' | 'robot' | 'anonymous' | 'system';

export interface Actor {
  name: string;
  kind: ActorKind;
}

export type Outcome = 'success' | 'failure';

/** One thing that happened. Absent facts are null (a login failure has no repository). */
export interface WharfEvent {
  /** Time-ordered UUID (v7): sorts like occurredAt. */
  id: string;
  type: EventType;
  occurredAt: Date;
  actor: Actor;
  /** Empty when not known (work outside a request). */
  clientIp: string;
  /** The repository's first path segment. */
  project: string | null;
  repository: string | null;
  digest: string | null;
  tag: string | null;
  mediaType: string | null;
  outcome: Outcome;
  /** Event-specific facts as JSON (error code, previous digest of a moved tag, quota numbers…). */
  detail: Record<string, unknown> | null;
}

/** What an emitter says; the sink fills in id, time, actor and client IP (from the request context) and project. */
export interface EventInput {
  type: EventType;
  repository?: string;
  digest?: string;
  tag?: string;
  mediaType?: string;
  outcome?: Outcome;
  detail?: Record<string, unknown>;
  /** Overrides the request context's principal (login failures: the name that failed). */
  actor?: Actor;
  /** Overrides the request context's client IP. */
  clientIp?: string;
}

/** Where events go. One method: the registry decorator and the HTTP layer know nothing else. */
export interface EventSink {
  emit(event: EventInput): Promise<WharfEvent>;
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** A repository's project: its first path segment (`team-payments` for `team-payments/api`). */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash === -1 ? repository : repository.slice(0, slash);
}

/** The slice of a pino logger the events services use. */
export interface EventsLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export const silentLog: EventsLog = { info() {}, warn() {} };
