import { describe, expect, it } from 'vitest';
import { SecretBox } from '../secrets/index.js';
import { checkProxySettings, DOCKER_HUB_ORIGIN, normaliseUpstream, sealContext } from './settings.js';
import { upstreamRepository } from './upstream.js';

describe('proxy settings', () => {
  it('normalises the upstream to an origin, folding Docker Hub aliases into its API host', () => {
    expect(normaliseUpstream('https://Registry.Example.com:443/')).toBe('https://registry.example.com');
    expect(normaliseUpstream('http://10.0.0.5:5000')).toBe('http://10.0.0.5:5000');
    for (const hub of ['https://docker.io', 'https://index.docker.io/', 'https://registry-1.docker.io'])
      expect(normaliseUpstream(hub)).toBe(DOCKER_HUB_ORIGIN);
    for (const bad of [
      'docker.io',
      'ftp://x',
      'https://u:p@x',
      'https://x/v2',
      'https://x/?a=1',
      'https://x/#f',
    ])
      expect(() => normaliseUpstream(bad), bad).toThrow(/proxy\.upstream/);
  });

  it('maps repositories under the project to the upstream: prefix, then Docker Hub library/', () => {
    const hub = { upstream: DOCKER_HUB_ORIGIN, repositoryPrefix: null };
    expect(upstreamRepository('proxy-project/library/nginx', 'proxy-project', hub)).toBe('library/nginx');
    expect(upstreamRepository('hub/nginx', 'hub', hub)).toBe('library/nginx');
    expect(upstreamRepository('hub/bitnami/redis', 'hub', hub)).toBe('bitnami/redis');
    expect(upstreamRepository('hub', 'hub', hub)).toBeUndefined();
    const other = { upstream: 'https://ghcr.io', repositoryPrefix: 'acme' };
    expect(upstreamRepository('gh/app', 'gh', other)).toBe('acme/app');
    expect(upstreamRepository('gh/app', 'gh', { ...other, repositoryPrefix: null })).toBe('app');
  });

  it('seals the password bound to the project; credentials follow their upstream', () => {
    const box = new SecretBox(SecretBox.generateKey());
    const input = { upstream: 'https://ghcr.io', credentials: { username: 'bot', password: 's3cret' } };
    const s = checkProxySettings(input, null, 'gh', box);
    expect(s).toMatchObject({ upstream: 'https://ghcr.io', repositoryPrefix: null, username: 'bot' });
    expect(s.sealedPassword).not.toContain('s3cret');
    expect(box.open(s.sealedPassword ?? '', sealContext('gh'))).toBe('s3cret');
    expect(() => box.open(s.sealedPassword ?? '', sealContext('other'))).toThrow(/does not open/);
    expect(checkProxySettings({ upstream: 'https://ghcr.io/' }, s, 'gh', box)).toEqual(s);
    expect(checkProxySettings({ upstream: 'https://quay.io' }, s, 'gh', box)).toMatchObject({
      username: null,
      sealedPassword: null,
    });
    expect(
      checkProxySettings({ upstream: 'https://ghcr.io', credentials: null }, s, 'gh', box).username,
    ).toBeNull();
    expect(() => checkProxySettings(input, null, 'gh', undefined)).toThrow(/secret key/);
    expect(() => checkProxySettings({ ...input, repositoryPrefix: 'Bad' }, null, 'gh', box)).toThrow(
      /repositoryPrefix/,
    );
  });
});
