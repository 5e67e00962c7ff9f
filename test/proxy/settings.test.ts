import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import { type ProxyWorld, startProxyWorld } from './harness.js';
import { startUpstream, type Upstream } from './upstream.js';

const dialects = await availableDialects();
const UPSTREAM_USER = { user: 'mirror', password: 'upstream-secret-pw' };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe.each(dialects)('proxy cache settings (%s)', (dialect) => {
  let w: ProxyWorld;
  let upstream: Upstream;
  const image = makeImage({ layers: 2, size: 4096 });

  beforeAll(async () => {
    upstream = await startUpstream({ htpasswd: UPSTREAM_USER });
    await pushArtifact(upstream.seed, 'team/app', 'v1', image);
    w = await startProxyWorld(dialect, upstream);
  });
  afterAll(async () => {
    await w?.stop();
    await upstream?.stop();
  });

  it('a project created with an upstream and credentials shows the login, never the password', async () => {
    const credentials = { username: UPSTREAM_USER.user, password: UPSTREAM_USER.password };
    const r = await w.api('/projects', {
      method: 'POST',
      body: { name: 'mirror', proxy: { upstream: `${upstream.url}/`, credentials } },
    });
    expect(r.status).toBe(201);
    const created = await r.text();
    expect(created).not.toContain(UPSTREAM_USER.password);
    const view = (await (await w.api('/projects/mirror')).json()) as { proxy: unknown };
    expect(view.proxy).toEqual({
      upstream: upstream.url,
      repositoryPrefix: null,
      credentials: { username: UPSTREAM_USER.user },
    });
    // At rest the password is sealed: not in the database row, not in the database file.
    const row = await w.server.wharf.meta.access.projects.get('mirror');
    expect(row?.proxy?.sealedPassword).toMatch(/^v1\./);
    expect(row?.proxy?.sealedPassword).not.toContain(UPSTREAM_USER.password);
    if (dialect === 'sqlite') {
      const db = await readFile(join(w.server.dataDir, 'wharf.db'));
      expect(db.includes(Buffer.from(UPSTREAM_USER.password))).toBe(false);
    }
    const key = await readFile(join(w.server.dataDir, 'secret.key'));
    expect(key.length).toBe(32);
  });

  it('pulls through an upstream that needs the credentials (private project: members only)', async () => {
    const admin = new RegistryClient({
      registry: w.host,
      credentials: { username: 'admin', password: 'test-admin-password' },
    });
    const m = await admin.getManifest('mirror/team/app', 'v1');
    expect(m.digest).toBe(image.manifest.descriptor.digest);
    for (const b of image.blobs)
      expect(
        (await admin.getBlobBytes('mirror/team/app', b.descriptor.digest as Digest)).equals(b.bytes),
      ).toBe(true);
    const anon = await w.v2('/v2/mirror/team/app/manifests/v1');
    expect(anon.status).toBe(401);
  });

  it('a PATCH that keeps the upstream keeps the credentials; wrong ones fail the miss with 503', async () => {
    const patched = await w.api('/projects/mirror', {
      method: 'PATCH',
      body: { proxy: { upstream: upstream.url, repositoryPrefix: 'team' } },
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { proxy: { credentials: unknown } }).proxy.credentials).toEqual({
      username: UPSTREAM_USER.user,
    });
    const admin = new RegistryClient({
      registry: w.host,
      credentials: { username: 'admin', password: 'test-admin-password' },
    });
    // With the prefix, mirror/app is team/app upstream.
    expect((await admin.getManifest('mirror/app', 'v1')).digest).toBe(image.manifest.descriptor.digest);
    const wrong = await w.api('/projects/mirror', {
      method: 'PATCH',
      body: { proxy: { upstream: upstream.url, credentials: { username: 'mirror', password: 'wrong' } } },
    });
    expect(wrong.status).toBe(200);
    const miss = await w.v2('/v2/mirror/team/app/manifests/sha256:'.concat('2'.repeat(64)), {
      headers: { authorization: basic('admin', 'test-admin-password') },
    });
    expect(miss.status).toBe(503);
  });

  it('refuses bad settings (400), non-admins (403), and pushed projects becoming proxies (409)', async () => {
    for (const upstreamUrl of [
      'ftp://example.com',
      'not a url',
      'https://user:pw@example.com',
      'https://example.com/v2/',
    ]) {
      const r = await w.api('/projects', {
        method: 'POST',
        body: { name: 'bad', proxy: { upstream: upstreamUrl } },
      });
      expect(r.status, upstreamUrl).toBe(400);
    }
    const prefix = await w.api('/projects', {
      method: 'POST',
      body: { name: 'bad', proxy: { upstream: 'https://example.com', repositoryPrefix: 'UPPER' } },
    });
    expect(prefix.status).toBe(400);
    // A project admin manages the project, but not where the server fetches from.
    await w.api('/projects', { method: 'POST', body: { name: 'team' } });
    await w.server.wharf.access.createUser({ username: 'lead', password: 'lead-password-1' });
    await w.server.wharf.access.addMember('team', 'lead', 'projectAdmin');
    const asLead = await w.api('/projects/team', {
      method: 'PATCH',
      body: { proxy: { upstream: 'https://example.com' } },
      auth: basic('lead', 'lead-password-1'),
    });
    expect(asLead.status).toBe(403);
    const admin = new RegistryClient({
      registry: w.host,
      credentials: { username: 'admin', password: 'test-admin-password' },
    });
    await pushArtifact(admin, 'team/own', 'v1', makeImage({ layers: 1 }));
    const pushed = await w.api('/projects/team', {
      method: 'PATCH',
      body: { proxy: { upstream: upstream.url } },
    });
    expect(pushed.status).toBe(409);
    // Docker Hub's names fold into its API host; null turns the proxy off.
    const hub = await w.api('/projects', {
      method: 'POST',
      body: { name: 'dockerhub', proxy: { upstream: 'https://docker.io' } },
    });
    expect(((await hub.json()) as { proxy: { upstream: string } }).proxy.upstream).toBe(
      'https://registry-1.docker.io',
    );
    const off = await w.api('/projects/dockerhub', { method: 'PATCH', body: { proxy: null } });
    expect(((await off.json()) as { proxy: unknown }).proxy).toBeNull();
  });

  it('credentials that no longer open (secret.key replaced) fail pulls with a 503 saying so', async () => {
    await w.api('/projects/mirror', {
      method: 'PATCH',
      body: {
        proxy: {
          upstream: upstream.url,
          credentials: { username: UPSTREAM_USER.user, password: UPSTREAM_USER.password },
        },
      },
    });
    await writeFile(join(w.server.dataDir, 'secret.key'), randomBytes(32));
    w.server = await w.server.restart();
    const r = await w.v2('/v2/mirror/team/app/manifests/v1', {
      headers: { authorization: basic('admin', 'test-admin-password') },
    });
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('secret.key');
  });
});
