import { describe, expect, it } from 'vitest';
import { formatScope, parseScope, parseScopes } from './scope.js';

describe('parseScope', () => {
  it('reads repository scopes, nested names and plugin-typed ones', () => {
    expect(parseScope('repository:team/app:pull,push')).toEqual({
      type: 'repository',
      name: 'team/app',
      actions: ['pull', 'push'],
    });
    expect(parseScope('repository(plugin):a/b/c:pull')).toEqual({
      type: 'repository',
      name: 'a/b/c',
      actions: ['pull'],
    });
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
  });

  it('ignores malformed and unknown scopes', () => {
    for (const bad of [
      '',
      'repository',
      'repository:x',
      'repository::pull',
      'repository:x:',
      'thing:x:pull',
    ]) {
      expect(parseScope(bad)).toBeUndefined();
    }
  });

  it('merges repeated and space-separated scopes per resource', () => {
    const scopes = parseScopes([
      'repository:a/b:pull repository:c/d:push',
      'repository:a/b:push,pull',
      'bogus',
    ]);
    expect(scopes).toEqual([
      { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
      { type: 'repository', name: 'c/d', actions: ['push'] },
    ]);
    expect(scopes.map(formatScope)).toEqual(['repository:a/b:pull,push', 'repository:c/d:push']);
  });
});
