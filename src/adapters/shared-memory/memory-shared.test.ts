import { describe, expect, it } from 'vitest';
import { sharedSuite } from '../../../test/suites/shared-suite.js';
import { MemoryShared } from './memory-shared.js';

function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

sharedSuite('memory', async () => {
  const clock = fakeClock();
  const shared = new MemoryShared({ now: clock.now });
  return { shared, advance: async (ms) => clock.advance(ms), cleanup: () => shared.close() };
});

describe('MemoryShared bounds', () => {
  it('forgets keys once their window has passed', async () => {
    const clock = fakeClock();
    const shared = new MemoryShared({ now: clock.now });
    for (let i = 0; i < 100; i++) await shared.rateLimit(`client:${i}`, 5, 60);
    expect(shared.size).toBe(100);
    clock.advance(60_000);
    // Each call sweeps a bounded number of idle keys; a handful of calls clears them all.
    for (let i = 0; i < 5; i++) await shared.rateLimit('busy', 5, 60);
    expect(shared.size).toBe(1);
  });

  it('keeps recently used keys and evicts the least recently used past maxKeys', async () => {
    const shared = new MemoryShared({ maxKeys: 3 });
    await shared.rateLimit('a', 1, 60);
    await shared.rateLimit('b', 1, 60);
    await shared.rateLimit('c', 1, 60);
    expect((await shared.rateLimit('a', 1, 60)).allowed).toBe(false); // 'a' is now the most recent
    await shared.rateLimit('d', 1, 60); // evicts 'b'
    expect(shared.size).toBe(3);
    expect((await shared.rateLimit('a', 1, 60)).allowed).toBe(false);
    expect((await shared.rateLimit('b', 1, 60)).allowed).toBe(true);
  });

  it('stays exact for a hot key', async () => {
    const clock = fakeClock();
    const shared = new MemoryShared({ now: clock.now });
    for (let i = 0; i < 10_000; i++) {
      await shared.rateLimit('hot', 100, 1);
      clock.advance(1);
    }
    // 10 s of 1 request/ms against 100/s: exactly 100 allowed in each second.
    clock.advance(1000);
    let allowed = 0;
    for (let i = 0; i < 200; i++) if ((await shared.rateLimit('hot', 100, 1)).allowed) allowed++;
    expect(allowed).toBe(100);
  });
});
