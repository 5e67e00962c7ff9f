import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { teeToStore } from './tee.js';

const source = (parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('teeToStore', () => {
  it('gives the client every byte, the last chunk only once the store succeeded', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let storedText = '';
    const { client } = teeToStore(source(['ab', 'cd', 'ef']), async (input) => {
      storedText = await text(input);
      await gate;
    });
    const seen: string[] = [];
    client.on('data', (c: Buffer) => seen.push(c.toString()));
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.join('')).toBe('abcd');
    release();
    await new Promise((r) => client.on('end', r));
    expect(seen.join('')).toBe('abcdef');
    expect(storedText).toBe('abcdef');
  });

  it('fails the client when the store fails, and stores on when the client goes away', async () => {
    const failing = teeToStore(source(['ab', 'cd']), async (input) => {
      await text(input);
      throw new Error('digest mismatch');
    });
    await expect(text(failing.client)).rejects.toThrow('digest mismatch');

    const src = new PassThrough();
    const { client, stored } = teeToStore(src, (input) => text(input));
    src.write('one');
    client.destroy();
    src.write('two');
    src.end('three');
    expect(await stored).toBe('onetwothree');
  });
});
