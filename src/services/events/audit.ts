import { RegistryError } from '../../oci/errors.js';
import type { EventLogStore, EventQuery } from '../../ports/event-store.js';
import { type ActorKind, isEventType, type WharfEvent } from './types.js';

export interface AuditQuery {
  project?: string;
  actor?: string;
  actorKind?: ActorKind;
  /** Event types ("actions"): PUSH_ARTIFACT, PULL_ARTIFACT… */
  types?: string[];
  repository?: string;
  from?: Date;
  to?: Date;
  /** The `next` of the previous page. */
  cursor?: string;
  /** Default 50, at most 500. */
  limit?: number;
}

export interface AuditPage {
  events: WharfEvent[];
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  next?: string;
}

/** The audit log: who did what, where, from which address, with which outcome. Newest first. */
export class AuditService {
  constructor(private readonly log: EventLogStore) {}

  async query(q: AuditQuery = {}): Promise<AuditPage> {
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    const bad = (q.types ?? []).filter((t) => !isEventType(t));
    if (bad.length > 0) {
      throw new RegistryError('WHARF_ERR_REQUEST_INVALID', 'unknown event types', {
        detail: { unknown: bad },
      });
    }
    const query: EventQuery = { limit };
    if (q.project !== undefined) query.project = q.project;
    if (q.actor !== undefined) query.actor = q.actor;
    if (q.actorKind !== undefined) query.actorKind = q.actorKind;
    if (q.types !== undefined && q.types.length > 0) query.types = q.types.filter(isEventType);
    if (q.repository !== undefined) query.repository = q.repository;
    if (q.from !== undefined) query.from = q.from;
    if (q.to !== undefined) query.to = q.to;
    if (q.cursor !== undefined) query.before = q.cursor;
    const events = await this.log.query(query);
    const last = events.at(-1);
    return events.length === limit && last ? { events, next: last.id } : { events };
  }

  get(id: string): Promise<WharfEvent | undefined> {
    return this.log.get(id);
  }

  /** Retention: deletes events older than `days` days. Returns how many. */
  purgeOlderThan(days: number, now = Date.now()): Promise<number> {
    return this.log.purgeEventsBefore(new Date(now - days * 86_400_000));
  }
}
