import { describe, expect, it } from 'vitest';
import { bearerChallenge, readCredentials, requirementOf } from '../../src/http/auth/index.js';
import { matchRoute } from '../../src/http/distribution/routes.js';

const need = (path: string, method: string, query = '') =>
  requirementOf(matchRoute(path) ?? { kind: 'base', name: '', ref: '' }, method, new URLSearchParams(query));

describe('requirementOf: the action every /v2 route kind needs', () => {
  const D = `sha256:${'a'.repeat(64)}`;
  it.each([
    ['/v2/', 'GET', { kind: 'authenticated' }],
    ['/v2/_catalog', 'GET', { kind: 'catalog' }],
    ['/v2/t/a/tags/list', 'GET', { kind: 'repository', actions: ['pull'] }],
    [`/v2/t/a/referrers/${D}`, 'GET', { kind: 'repository', actions: ['pull'] }],
    ['/v2/t/a/manifests/v1', 'GET', { kind: 'repository', actions: ['pull'] }],
    ['/v2/t/a/manifests/v1', 'HEAD', { kind: 'repository', actions: ['pull'] }],
    ['/v2/t/a/manifests/v1', 'PUT', { kind: 'repository', actions: ['push'] }],
    ['/v2/t/a/manifests/v1', 'DELETE', { kind: 'repository', actions: ['delete'] }],
    [`/v2/t/a/blobs/${D}`, 'GET', { kind: 'repository', actions: ['pull'] }],
    [`/v2/t/a/blobs/${D}`, 'HEAD', { kind: 'repository', actions: ['pull'] }],
    [`/v2/t/a/blobs/${D}`, 'DELETE', { kind: 'repository', actions: ['delete'] }],
    ['/v2/t/a/blobs/uploads/', 'POST', { kind: 'repository', actions: ['push'] }],
    ['/v2/t/a/blobs/uploads/u1', 'GET', { kind: 'repository', actions: ['pull'] }],
    ['/v2/t/a/blobs/uploads/u1', 'PATCH', { kind: 'repository', actions: ['push'] }],
    ['/v2/t/a/blobs/uploads/u1', 'PUT', { kind: 'repository', actions: ['push'] }],
    ['/v2/t/a/blobs/uploads/u1', 'DELETE', { kind: 'repository', actions: ['push'] }],
  ])('%s %s', (path, method, want) => {
    expect(need(path, method)).toEqual(want);
  });

  it('names the source of a cross-repository mount', () => {
    expect(need('/v2/t/a/blobs/uploads/', 'POST', `mount=sha256:x&from=u/b`)).toEqual({
      kind: 'repository',
      actions: ['push'],
      mountFrom: 'u/b',
    });
    expect(need('/v2/t/a/blobs/uploads/', 'POST', 'from=u/b')).toEqual({
      kind: 'repository',
      actions: ['push'],
    });
  });
});

describe('credentials and challenges', () => {
  it('reads Basic, Bearer, none and junk', () => {
    const b64 = Buffer.from('robot$x+ci:pa:ss').toString('base64');
    expect(readCredentials(`Basic ${b64}`)).toEqual({
      scheme: 'basic',
      username: 'robot$x+ci',
      password: 'pa:ss',
    });
    expect(readCredentials('bearer abc.def.ghi')).toEqual({ scheme: 'bearer', token: 'abc.def.ghi' });
    expect(readCredentials(undefined)).toEqual({ scheme: 'none' });
    expect(readCredentials('Basic bm9jb2xvbg==')).toEqual({ scheme: 'invalid' });
    expect(readCredentials('Negotiate x y')).toEqual({ scheme: 'invalid' });
  });

  it('quotes challenge parameters', () => {
    expect(
      bearerChallenge({
        realm: 'https://r/token',
        service: 'wharf',
        scope: 'repository:a:pull',
        error: 'invalid_token',
      }),
    ).toBe('Bearer realm="https://r/token",service="wharf",scope="repository:a:pull",error="invalid_token"');
  });
});
