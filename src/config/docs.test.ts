import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from './schema.js';

/** Every config key, dotted (`uploads.ttlSeconds`). */
function keys(): string[] {
  const out: string[] = [];
  for (const [key, prop] of Object.entries(ConfigSchema.properties)) {
    const nested = (prop as { properties?: Record<string, unknown> }).properties;
    if (nested) for (const sub of Object.keys(nested)) out.push(`${key}.${sub}`);
    else out.push(key);
  }
  return out;
}

describe('docs/operator-guide.md', () => {
  it('documents every configuration key', async () => {
    const guide = await readFile(new URL('../../docs/operator-guide.md', import.meta.url), 'utf8');
    const missing = keys().filter((k) => !guide.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });
});
