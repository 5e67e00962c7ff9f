import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Shared } from '../../src/ports/shared.js';

export interface OpenedShared {
  shared: Shared;
  /** Lets `ms` pass for the store (a fake clock for memory, a real wait for Redis). */
  advance: (ms: number) => Promise<void>;
  /** Closes `shared` and removes what it wrote. */
  cleanup: () => Promise<void>;
}

/**
 * The Shared contract: every adapter runs this in a few lines. Timings keep ≥ 100 ms margins so a
 * real clock (Redis) passes as reliably as a fake one.
 */
export function sharedSuite(name: string, open: () => Promise<OpenedShared>): void {
  describe(`Shared contract: ${name}`, () => {
    let s: OpenedShared;
    // A fresh key per test: adapters may share one server across tests.
    let key: string;
    beforeEach(async () => {
      s = await open();
      key = `k-${randomBytes(4).toString('hex')}`;
    });
    afterEach(() => s.cleanup());

    const take = (k: string, limit: number, window: number) => s.shared.rateLimit(k, limit, window);

    it('allows up to the limit, counting down, then refuses with a retry time within the window', async () => {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await take(key, 3, 60));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      expect(results.slice(0, 3).every((r) => r.retryAfterSeconds === 0)).toBe(true);
      expect(results[3]?.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(results[3]?.retryAfterSeconds).toBeLessThanOrEqual(60);
    });

    it('keeps keys independent', async () => {
      expect((await take(`${key}:a`, 1, 60)).allowed).toBe(true);
      expect((await take(`${key}:a`, 1, 60)).allowed).toBe(false);
      expect((await take(`${key}:b`, 1, 60)).allowed).toBe(true);
      // Keys are opaque strings: principal names carry $ and +.
      expect((await take(`${key}:robot$team+ci`, 1, 60)).allowed).toBe(true);
    });

    it('slides: a request leaves the count exactly one window after it was made (no boundary burst)', async () => {
      // limit 3 per 1 s: one request at t=0, two at t≈0.5 s.
      expect((await take(key, 3, 1)).allowed).toBe(true);
      await s.advance(500);
      expect((await take(key, 3, 1)).allowed).toBe(true);
      expect((await take(key, 3, 1)).allowed).toBe(true);
      const full = await take(key, 3, 1);
      expect(full).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
      // t≈1.1 s: only the first request has left the window, so exactly one more fits — a fixed
      // window that reset at 1 s would let three through.
      await s.advance(600);
      expect(await take(key, 3, 1)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await take(key, 3, 1)).allowed).toBe(false);
      // t≈1.6 s: the two from t≈0.5 s have left.
      await s.advance(500);
      expect(await take(key, 3, 1)).toMatchObject({ allowed: true, remaining: 1 });
      expect((await take(key, 3, 1)).allowed).toBe(true);
      expect((await take(key, 3, 1)).allowed).toBe(false);
    });

    it('does not count refused requests: hammering does not extend the wait', async () => {
      expect((await take(key, 2, 1)).allowed).toBe(true);
      expect((await take(key, 2, 1)).allowed).toBe(true);
      for (let i = 0; i < 20; i++) expect((await take(key, 2, 1)).allowed).toBe(false);
      await s.advance(1100);
      expect(await take(key, 2, 1)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('applies a changed limit at once, keeping the history', async () => {
      for (let i = 0; i < 4; i++) expect((await take(key, 5, 60)).allowed).toBe(true);
      expect(await take(key, 2, 60)).toMatchObject({ allowed: false, remaining: 0 });
      expect(await take(key, 10, 60)).toMatchObject({ allowed: true, remaining: 5 });
    });

    it('with a lowered limit, waits for the request that frees a slot under it', async () => {
      expect((await take(key, 3, 1)).allowed).toBe(true);
      await s.advance(500);
      expect((await take(key, 3, 1)).allowed).toBe(true);
      expect((await take(key, 3, 1)).allowed).toBe(true);
      // Limit 1 now: two entries at t≈0.5 s stay in the window until t≈1.5 s.
      await s.advance(600);
      expect((await take(key, 1, 1)).allowed).toBe(false);
      await s.advance(300);
      expect((await take(key, 1, 1)).allowed).toBe(false);
      await s.advance(300);
      expect((await take(key, 1, 1)).allowed).toBe(true);
    });

    it('never lets concurrent callers past the limit', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => take(key, 10, 60)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      const remaining = results.filter((r) => r.allowed).map((r) => r.remaining);
      expect(remaining.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('refuses arguments that are not positive integers', async () => {
      await expect(take(key, 0, 60)).rejects.toThrow(RangeError);
      await expect(take(key, 1.5, 60)).rejects.toThrow(RangeError);
      await expect(take(key, 5, 0)).rejects.toThrow(RangeError);
      await expect(take('', 5, 60)).rejects.toThrow(RangeError);
    });
  });
}
