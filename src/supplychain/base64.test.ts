import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.js';

describe('decodeBase64', () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xfe, 0x00, 0x41]);

  it('decodes standard and URL-safe, padded or not, ignoring line breaks', () => {
    expect(decodeBase64(bytes.toString('base64'))).toEqual(bytes);
    expect(decodeBase64(bytes.toString('base64url'))).toEqual(bytes);
    expect(decodeBase64(bytes.toString('base64').replace(/=+$/, ''))).toEqual(bytes);
    expect(decodeBase64('aGVs\nbG8=')).toEqual(Buffer.from('hello'));
    expect(decodeBase64('')).toEqual(Buffer.alloc(0));
  });

  it('refuses foreign characters, mixed alphabets and impossible lengths', () => {
    expect(decodeBase64('aGVs*G8=')).toBe('invalid');
    expect(decodeBase64('+-==')).toBe('invalid');
    expect(decodeBase64('aGVsbG8==x')).toBe('invalid');
    expect(decodeBase64('aGVsbG8')).toEqual(Buffer.from('hello'));
    expect(decodeBase64('aGVsb')).toBe('truncated');
    expect(decodeBase64('aGVsbG=')).toBe('truncated');
  });

  it('encodes standard padded base64', () => {
    expect(encodeBase64(bytes)).toBe('+//+AEE=');
    expect(encodeBase64(new Uint8Array(bytes).subarray(1, 3))).toBe('//4=');
  });
});
