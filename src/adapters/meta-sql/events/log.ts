import { type Kysely, type Selectable, sql } from 'kysely';
import type { EventLogStore, EventQuery, NewJob } from '../../../ports/event-store.js';
import type { ActorKind, EventType, Outcome, WharfEvent } from '../../../services/events/types.js';
import type { Database } from '../schema.js';
import type { EventsTable } from '../schema-events.js';
import { insertJobs } from './jobs.js';

function toRow(e: WharfEvent): EventsTable {
  return {
    id: e.id,
    type: e.type,
    occurred_at: e.occurredAt.getTime(),
    actor: e.actor.name,
    actor_kind: e.actor.kind,
    client_ip: e.clientIp,
    project: e.project,
    repository: e.repository,
    digest: e.digest,
    tag: e.tag,
    media_type: e.mediaType,
    outcome: e.outcome,
    detail: e.detail === null ? null : JSON.stringify(e.detail),
  };
}

function toEvent(r: Selectable<EventsTable>): WharfEvent {
  return {
    id: r.id,
    type: r.type as EventType,
    occurredAt: new Date(Number(r.occurred_at)),
    actor: { name: r.actor, kind: r.actor_kind as ActorKind },
    clientIp: r.client_ip,
    project: r.project,
    repository: r.repository,
    digest: r.digest,
    tag: r.tag,
    mediaType: r.media_type,
    outcome: r.outcome as Outcome,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
  };
}

const BATCH_ROWS = 500;

/** The `events` table: audit log and outbox. */
export class SqlEventLogStore implements EventLogStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(event: WharfEvent, jobs: NewJob[] = []): Promise<void> {
    if (jobs.length === 0) {
      await this.db.insertInto('events').values(toRow(event)).execute();
      return;
    }
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('events').values(toRow(event)).execute();
      await insertJobs(tx, jobs, Date.now());
    });
  }

  async appendBatch(entries: readonly { event: WharfEvent; jobs: NewJob[] }[]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    await this.db.transaction().execute(async (tx) => {
      // Chunks stay far below SQLite's 32,766 bound parameters (13 columns a row).
      for (let i = 0; i < entries.length; i += BATCH_ROWS) {
        const chunk = entries.slice(i, i + BATCH_ROWS);
        await tx
          .insertInto('events')
          .values(chunk.map((e) => toRow(e.event)))
          .execute();
      }
      const jobs = entries.flatMap((e) => e.jobs);
      if (jobs.length > 0) await insertJobs(tx, jobs, now);
    });
  }

  async get(id: string): Promise<WharfEvent | undefined> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEvent(row) : undefined;
  }

  async query(q: EventQuery): Promise<WharfEvent[]> {
    let query = this.db.selectFrom('events').selectAll();
    if (q.project !== undefined) query = query.where('project', '=', q.project);
    if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
    if (q.actorKind !== undefined) query = query.where('actor_kind', '=', q.actorKind);
    if (q.types !== undefined && q.types.length > 0) query = query.where('type', 'in', q.types);
    if (q.repository !== undefined) query = query.where('repository', '=', q.repository);
    if (q.from !== undefined) query = query.where('occurred_at', '>=', q.from.getTime());
    if (q.to !== undefined) query = query.where('occurred_at', '<', q.to.getTime());
    if (q.before !== undefined) {
      // Keyset cursor: strictly older than the cursor event in (occurred_at, id) order.
      query = query.where(
        sql<boolean>`(occurred_at, id) < (select c.occurred_at, c.id from events c where c.id = ${q.before})`,
      );
    }
    const rows = await query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(toEvent);
  }

  async purgeEventsBefore(before: Date): Promise<number> {
    const r = await this.db
      .deleteFrom('events')
      .where('occurred_at', '<', before.getTime())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
