import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { rechunk } from './upload.js';

describe('rechunk', () => {
  it('regroups a stream into fixed-size chunks', async () => {
    const parts = [Buffer.alloc(3, 1), Buffer.alloc(10, 2), Buffer.alloc(1, 3), Buffer.alloc(6, 4)];
    const out: Buffer[] = [];
    for await (const c of rechunk(Readable.from(parts), 4)) out.push(c);
    expect(out.map((c) => c.length)).toEqual([4, 4, 4, 4, 4]);
    expect(Buffer.concat(out).equals(Buffer.concat(parts))).toBe(true);
  });
});
