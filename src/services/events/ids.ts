import { randomBytes } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit sequence, then random bits. Ids made
 * by one process strictly increase (the sequence counts within a millisecond, method 1 of the RFC),
 * so events recorded in one millisecond still list in the order they happened. An explicit `at`
 * (tests, imports) gives an id of that time, outside the sequence.
 */
export function uuidv7(at?: number): string {
  if (at !== undefined) return format(at, randomBytes(2).readUInt16BE(0) & 0xfff);
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = randomBytes(2).readUInt16BE(0) & 0x3ff; // room to count up within the millisecond
  } else if (++seq > 0xfff) {
    lastMs++;
    seq = 0;
  }
  return format(lastMs, seq);
}

function format(ms: number, seq: number): string {
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b.writeUInt16BE(0x7000 | seq, 6);
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
