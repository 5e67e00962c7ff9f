/**
 * The times of the requests a key allowed, oldest first: a sliding-window log. An entry is added
 * only while fewer than `limit` are in the window, so a key never holds more than the largest
 * limit used with it.
 */
export class SlidingLog {
  private times: number[] = [];
  private head = 0;

  /** When the newest entry leaves its window (the key is idle, and forgettable, from then on). */
  idleAt = 0;

  /** Counts a request at `now` if fewer than `limit` were allowed in the `windowMs` before it. */
  take(
    now: number,
    limit: number,
    windowMs: number,
  ): { allowed: boolean; remaining: number; retryMs: number } {
    this.expire(now - windowMs);
    const count = this.count();
    if (count >= limit) {
      // The next slot frees when the entry `limit` places from the newest leaves the window.
      const freeing = this.times[this.times.length - limit] ?? now;
      return { allowed: false, remaining: 0, retryMs: freeing + windowMs - now };
    }
    this.times.push(now);
    this.idleAt = now + windowMs;
    return { allowed: true, remaining: limit - count - 1, retryMs: 0 };
  }

  private count(): number {
    return this.times.length - this.head;
  }

  /** Drops entries at or before `edge`; each entry is dropped once, so this is amortised O(1). */
  private expire(edge: number): void {
    while (this.head < this.times.length && (this.times[this.head] ?? Infinity) <= edge) this.head++;
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
