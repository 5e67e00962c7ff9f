import type { EventLogStore, NewJob } from '../../ports/event-store.js';
import { uuidv7 } from './ids.js';
import { type EventFields, type EventTrigger, eventFields } from './sink.js';
import type { EventInput, EventSink, WharfEvent } from './types.js';

export interface BatchedEventSinkOptions {
  log: EventLogStore;
  triggers: EventTrigger[];
  /** Called after a batch enqueued jobs (JobQueue.wake). */
  onJobs?: () => void;
  /** A batch that could not be written (its events are lost; pulls are best effort). */
  onError: (err: unknown, count: number) => void;
  /** Flush at this many queued events. Default 500. */
  maxBatch?: number;
  /** Flush this long after the first queued event. Default 200 ms (each commit is an fsync). */
  delayMs?: number;
  /** Events queued beyond this are dropped (and reported) while the database is slow. Default 50,000. */
  maxQueued?: number;
}

/** What makes two events the same but for their time: who, from where, what, how it ended. */
function sameness(f: EventFields): string {
  return JSON.stringify([
    f.type,
    f.actor.kind,
    f.actor.name,
    f.clientIp,
    f.repository,
    f.digest,
    f.tag,
    f.mediaType,
    f.outcome,
    f.detail,
  ]);
}

/**
 * An event sink for high-rate, best-effort events (pulls): `emit` returns once the event is built
 * (actor and client IP taken from the request context at once), and queued events are written in
 * one transaction per batch, with the jobs their triggers ask for. A manifest GET therefore costs no
 * database write of its own; a crash loses at most the last `delayMs` of pull events.
 *
 * Events that are the same but for their time, queued in one batch, are written once with
 * `detail.count` (how many) and `detail.lastAt` (the last one's time): a client pulling one manifest
 * thousands of times a second makes one row per batch, so the write rate follows distinct
 * (client, artifact) pairs rather than the request rate.
 */
export class BatchedEventSink implements EventSink {
  private queue: WharfEvent[] = [];
  private same = new Map<string, WharfEvent>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly delayMs: number;
  private readonly maxQueued: number;

  constructor(private readonly o: BatchedEventSinkOptions) {
    this.maxBatch = o.maxBatch ?? 500;
    this.delayMs = o.delayMs ?? 200;
    this.maxQueued = o.maxQueued ?? 50_000;
  }

  async emit(input: EventInput): Promise<WharfEvent> {
    const fields = eventFields(input);
    const key = sameness(fields);
    const twin = this.same.get(key);
    if (twin) {
      const count = Number(twin.detail?.count ?? 1) + 1;
      twin.detail = { ...fields.detail, count, lastAt: new Date().toISOString() };
      return twin;
    }
    const event: WharfEvent = { id: uuidv7(), occurredAt: new Date(), ...fields };
    if (this.queue.length >= this.maxQueued) {
      this.o.onError(new Error('event queue full: the database is not keeping up'), 1);
      return event;
    }
    this.queue.push(event);
    this.same.set(key, event);
    if (this.queue.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
    return event;
  }

  /** Writes everything queued so far; resolves when it (and any earlier batch) is written. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.same = new Map();
    // One batch at a time, in order: SQLite serialises writers anyway, and order keeps ids monotonic.
    this.writing = this.writing.then(() => (batch.length > 0 ? this.write(batch) : undefined));
    return this.writing;
  }

  private async write(batch: WharfEvent[]): Promise<void> {
    try {
      const entries: { event: WharfEvent; jobs: NewJob[] }[] = [];
      for (const event of batch) {
        const jobs = (await Promise.all(this.o.triggers.map((t) => t.jobsFor(event)))).flat();
        entries.push({ event, jobs });
      }
      await this.o.log.appendBatch(entries);
      if (entries.some((e) => e.jobs.length > 0)) this.o.onJobs?.();
    } catch (err) {
      this.o.onError(err, batch.length);
    }
  }
}
