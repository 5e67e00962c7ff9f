import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoAction } from '../../src/services/access/principal.js';
import { availableDialects } from '../helpers/dialects.js';
import { OCI_MANIFEST } from '../helpers/oci.js';
import { errorCode, V2 } from '../helpers/registry-client.js';
import { type AuthServer, startAuthServer } from './harness.js';
import {
  ACTORS,
  type Actor,
  adminPush,
  freshImage,
  type PushedImage,
  seedAccess,
  type World,
} from './world.js';

type Project = 'pub' | 'priv';
type Granted = Exclude<RepoAction, 'list'>;

/** What each actor may do, by project visibility: Harbor's role matrix (docs/permissions.md). */
const ALLOWED: Record<Actor, Record<Project, Granted[]>> = {
  projectAdmin: { pub: ['pull', 'push', 'delete'], priv: ['pull', 'push', 'delete'] },
  maintainer: { pub: ['pull', 'push', 'delete'], priv: ['pull', 'push', 'delete'] },
  developer: { pub: ['pull', 'push'], priv: ['pull', 'push'] },
  guest: { pub: ['pull'], priv: ['pull'] },
  limitedGuest: { pub: ['pull'], priv: ['pull'] },
  nonMember: { pub: ['pull'], priv: [] },
  anonymous: { pub: ['pull'], priv: [] },
  systemAdmin: { pub: ['pull', 'push', 'delete'], priv: ['pull', 'push', 'delete'] },
  robotInProject: { pub: ['pull', 'push'], priv: ['pull', 'push'] },
  robotOtherProject: { pub: ['pull'], priv: [] },
};

const dialects = await availableDialects();

describe.each(dialects)('permission matrix over HTTP with real tokens (%s)', (dialect) => {
  let server: AuthServer;
  let world: World;
  const images = new Map<Project, { app: PushedImage; src: PushedImage }>();

  beforeAll(async () => {
    server = await startAuthServer({ dialect });
    world = await seedAccess(server.access);
    for (const p of ['pub', 'priv'] as const) {
      images.set(p, {
        app: await adminPush(server.url, `${p}/app`, 'v1'),
        src: await adminPush(server.url, `${p}/src`, 'v1'),
      });
    }
  });
  afterAll(() => server?.close());

  /** A token from GET /token for everything the matrix tries on the project. */
  async function tokenFor(actor: Actor, project: Project): Promise<string> {
    const q = new URLSearchParams({ service: 'wharf' });
    q.append('scope', `repository:${project}/app:pull,push,delete`);
    q.append('scope', `repository:${project}/src:pull`);
    q.append('scope', 'registry:catalog:*');
    const creds = world.credentials(actor);
    const r = await fetch(`${server.url}/token?${q}`, creds ? { headers: { authorization: creds } } : {});
    expect(r.status).toBe(200);
    const body = (await r.json()) as { token: string; access_token: string; expires_in: number };
    expect(body.access_token).toBe(body.token);
    return body.token;
  }

  describe.each(ACTORS.flatMap((actor) => (['pub', 'priv'] as const).map((project) => ({ actor, project }))))(
    '$actor on $project',
    ({ actor, project }) => {
      const allowed = ALLOWED[actor][project];
      const repo = `${project}/app`;
      let v2: V2;

      beforeAll(async () => {
        v2 = new V2(server.url, `Bearer ${await tokenFor(actor, project)}`);
      });

      async function expectOutcome(r: Response, action: Granted, success: number): Promise<void> {
        if (allowed.includes(action)) {
          expect(r.status, await r.clone().text()).toBe(success);
          return;
        }
        if (actor === 'anonymous') {
          expect(r.status).toBe(401);
          const scope = action === 'push' ? 'pull,push' : action;
          expect(r.headers.get('www-authenticate')).toBe(
            `Bearer realm="${server.url}/token",service="wharf",scope="repository:${repo}:${scope}",error="insufficient_scope"`,
          );
          expect(await errorCode(r)).toBe('UNAUTHORIZED');
        } else if (allowed.length === 0) {
          expect(r.status).toBe(404);
          expect(await errorCode(r)).toBe('NAME_UNKNOWN');
        } else {
          expect(r.status).toBe(403);
          expect(await errorCode(r)).toBe('DENIED');
        }
      }

      it('pull', async () => {
        const r = await v2.fetch(`/v2/${repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
        await expectOutcome(r, 'pull', 200);
        const b = await v2.fetch(`/v2/${repo}/blobs/${images.get(project)?.app.layer.digest}`, {
          method: 'HEAD',
        });
        expect(b.status).toBe(allowed.includes('pull') ? 200 : r.status);
      });

      it('list (tags)', async () => {
        const r = await v2.fetch(`/v2/${repo}/tags/list`);
        await expectOutcome(r, 'pull', 200);
      });

      it('referrers', async () => {
        const r = await v2.fetch(`/v2/${repo}/referrers/${images.get(project)?.app.manifest.digest}`);
        await expectOutcome(r, 'pull', 200);
      });

      it('push', async () => {
        const img = freshImage();
        const r = await v2.pushBlob(repo, img.config);
        await expectOutcome(r, 'push', 201);
        if (!allowed.includes('push')) return;
        expect((await v2.pushBlob(repo, img.layer)).status).toBe(201);
        expect((await v2.putManifest(repo, `by-${actor}`, img.manifest)).status).toBe(201);
      });

      it('delete', async () => {
        const victim = await adminPush(server.url, repo, `del-${actor}`);
        const r = await v2.fetch(`/v2/${repo}/manifests/${victim.manifest.digest}`, { method: 'DELETE' });
        await expectOutcome(r, 'delete', 202);
      });

      it('mount', async () => {
        const layer = images.get(project)?.src.layer.digest ?? '';
        const r = await v2.fetch(`/v2/${repo}/blobs/uploads/?mount=${layer}&from=${project}/src`, {
          method: 'POST',
        });
        await expectOutcome(r, 'push', 201);
        if (allowed.includes('push')) expect(r.headers.get('docker-content-digest')).toBe(layer);
      });

      it('catalog visibility', async () => {
        const r = await v2.fetch('/v2/_catalog');
        expect(r.status).toBe(200);
        const { repositories } = (await r.json()) as { repositories: string[] };
        expect(repositories.includes(repo)).toBe(allowed.length > 0);
        expect(repositories.includes(`${project}/src`)).toBe(allowed.length > 0);
      });
    },
  );
});
