import type { Digest } from '../../oci/digest.js';
import type { ActivityStore, PullTime } from '../../ports/lifecycle-store.js';

export interface PullTimesOptions {
  store: Pick<ActivityStore, 'recordPulls'>;
  /** Write this long after the first pull of a batch. Default 1000 ms. */
  delayMs?: number;
  /** Write at once when this many distinct (repository, digest, tag) are pending. Default 10,000. */
  maxPending?: number;
  /** A batch that could not be written (those pull times are lost; the next pulls set them again). */
  onError?: (err: unknown, count: number) => void;
}

/**
 * Pull times, recorded in batches: `record` only notes (repository, digest, tag) → the latest time
 * in memory, and the pending set is written in one transaction about a second after its first pull
 * (or at `maxPending`). A manifest GET therefore never waits for, nor causes, a write of its own; a
 * crash loses at most the last second of pull times. `flush` writes now (shutdown, tests).
 */
export class PullTimes {
  private pending = new Map<string, PullTime>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly delayMs: number;
  private readonly maxPending: number;

  constructor(private readonly o: PullTimesOptions) {
    this.delayMs = o.delayMs ?? 1000;
    this.maxPending = o.maxPending ?? 10_000;
  }

  /** A manifest was served by GET (`tag`: the tag it was asked by; none: by digest). */
  record(repository: string, digest: Digest, tag?: string, at = Date.now()): void {
    const key = `${repository}\0${digest}\0${tag ?? ''}`;
    const known = this.pending.get(key);
    if (known) {
      if (known.at < at) known.at = at;
      return;
    }
    this.pending.set(key, { repository, digest, ...(tag === undefined ? {} : { tag }), at });
    if (this.pending.size >= this.maxPending) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending; resolves when it (and any earlier batch) is written. Never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    // One batch at a time, in order, so a later time is never overwritten by an earlier batch.
    this.writing = this.writing.then(() => (batch.length > 0 ? this.write(batch) : undefined));
    return this.writing;
  }

  private async write(batch: PullTime[]): Promise<void> {
    try {
      await this.o.store.recordPulls(batch);
    } catch (err) {
      this.o.onError?.(err, batch.length);
    }
  }
}
