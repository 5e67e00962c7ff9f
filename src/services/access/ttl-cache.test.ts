import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('expires entries after the TTL or their own deadline, and keeps at most max', () => {
    let now = 1000;
    const c = new TtlCache<string, number | undefined>(100, 2, () => now);
    c.set('a', 1);
    c.set('u', undefined, 1050);
    expect(c.get('a')).toEqual({ value: 1 });
    expect(c.get('u')).toEqual({ value: undefined });
    expect(c.get('missing')).toBeUndefined();
    now = 1060;
    expect(c.get('u')).toBeUndefined();
    expect(c.get('a')).toEqual({ value: 1 });
    now = 1100;
    expect(c.get('a')).toBeUndefined();
    c.set('x', 1);
    c.set('y', 2);
    c.set('z', 3);
    expect(c.get('x')).toBeUndefined();
    c.deleteWhere((v) => v === 2);
    expect(c.get('y')).toBeUndefined();
    expect(c.get('z')).toEqual({ value: 3 });
    c.clear();
    expect(c.get('z')).toBeUndefined();
  });
});
