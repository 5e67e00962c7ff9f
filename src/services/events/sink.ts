import type { EventLogStore, NewJob } from '../../ports/event-store.js';
import type { Principal } from '../access/principal.js';
import { requestContext } from '../context.js';
import { uuidv7 } from './ids.js';
import type { Actor, EventInput, EventSink, WharfEvent } from './types.js';
import { projectOf } from './types.js';

/** Something that starts work when an event happens (webhook deliveries; later scans, replication). */
export interface EventTrigger {
  jobsFor(event: WharfEvent): Promise<NewJob[]>;
}

export function actorOf(principal: Principal): Actor {
  return principal.kind === 'anonymous'
    ? { name: 'anonymous', kind: 'anonymous' }
    : { name: principal.name, kind: principal.kind };
}

export type EventFields = Omit<WharfEvent, 'id' | 'occurredAt'>;

/** Fills in what the emitter leaves out: id, time, and (from the request context) actor and client IP. */
export function buildEvent(input: EventInput, now = Date.now()): WharfEvent {
  return { id: uuidv7(), occurredAt: new Date(now), ...eventFields(input) };
}

/** An event's fields but its id and time: actor and client IP come from the request context. */
export function eventFields(input: EventInput): EventFields {
  // Outside any request (jobs, start-up) the actor is the system, not an anonymous client.
  const ctx = requestContext.getStore();
  const actor = input.actor ?? (ctx ? actorOf(ctx.principal) : { name: 'system', kind: 'system' });
  return {
    type: input.type,
    actor,
    clientIp: input.clientIp ?? ctx?.clientIp ?? '',
    project: input.repository !== undefined ? projectOf(input.repository) : null,
    repository: input.repository ?? null,
    digest: input.digest ?? null,
    tag: input.tag ?? null,
    mediaType: input.mediaType ?? null,
    outcome: input.outcome ?? 'success',
    detail: input.detail ?? null,
  };
}

/**
 * Records each event in the log and, in the same transaction, the jobs its triggers ask for; then
 * nudges the local workers so deliveries start at once.
 */
export class StoredEventSink implements EventSink {
  constructor(
    private readonly o: {
      log: EventLogStore;
      triggers: EventTrigger[];
      /** Called after jobs were enqueued (JobQueue.wake). */
      onJobs?: () => void;
    },
  ) {}

  async emit(input: EventInput): Promise<WharfEvent> {
    const event = buildEvent(input);
    const jobs = (await Promise.all(this.o.triggers.map((t) => t.jobsFor(event)))).flat();
    await this.o.log.append(event, jobs);
    if (jobs.length > 0) this.o.onJobs?.();
    return event;
  }
}
