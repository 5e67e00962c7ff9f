import type { EventLogStore, NewJob } from '../../ports/event-store.js';
import { buildEvent, type EventTrigger } from './sink.js';
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
  /** Flush this long after the first queued event. Default 50 ms. */
  delayMs?: number;
  /** Events queued beyond this are dropped (and reported) while the database is slow. Default 50,000. */
  maxQueued?: number;
}

/**
 * An event sink for high-rate, best-effort events (pulls): `emit` returns once the event is built
 * (actor and client IP taken from the request context at once), and queued events are written in
 * one transaction per batch, with the jobs their triggers ask for. A manifest GET therefore costs no
 * database write of its own; a crash loses at most the last `delayMs` of pull events.
 */
export class BatchedEventSink implements EventSink {
  private queue: WharfEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly delayMs: number;
  private readonly maxQueued: number;

  constructor(private readonly o: BatchedEventSinkOptions) {
    this.maxBatch = o.maxBatch ?? 500;
    this.delayMs = o.delayMs ?? 50;
    this.maxQueued = o.maxQueued ?? 50_000;
  }

  async emit(input: EventInput): Promise<WharfEvent> {
    const event = buildEvent(input);
    if (this.queue.length >= this.maxQueued) {
      this.o.onError(new Error('event queue full: the database is not keeping up'), 1);
      return event;
    }
    this.queue.push(event);
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
