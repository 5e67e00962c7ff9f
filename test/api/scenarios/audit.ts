import { expect, it } from 'vitest';
import { makeImage } from '../../helpers/images.js';
import { ADMIN, ALICE, BOB, CAROL, type World } from '../support/world.js';

interface Event {
  id: string;
  type: string;
  occurredAt: string;
  actor: { name: string; kind: string };
  project: string | null;
  repository: string | null;
  tag: string | null;
  outcome: string;
  detail: Record<string, unknown> | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the tests look at: `type actor repository:tag`, newest first. */
const brief = (events: Event[]) =>
  events.map((e) => `${e.type} ${e.actor.name} ${e.repository ?? '-'}:${e.tag ?? '-'}`);

/**
 * The audit log over real pushes and pulls through /v2 with token auth: alice and bob push to
 * `team` (bob re-points a tag), pub's robot pushes to `pub` and an anonymous client pulls from it
 * (anonymous clients may pull from a public project, never push), and a refused login is recorded;
 * `between` falls between bob's first push and the robot's.
 */
export function auditScenarios(w: () => World): void {
  const call = (...a: Parameters<World['server']['call']>) => w().server.call(...a);
  const list = async (path: string, as: [string, string] = ADMIN) => {
    const res = await call(path, { as });
    expect(res.status).toBe(200);
    return (await res.json()) as Event[];
  };
  let between = '';

  it('records pushes, pulls, tag moves and refused logins; admins list them newest first', async () => {
    const { push, pull, access, wharf } = w().server;
    const { robot, secret } = await access.createRobot({
      project: 'pub',
      name: 'ci',
      permissions: [{ project: 'pub', actions: ['pull', 'push'] }],
    });
    await push('team/api', 'v1', makeImage({ size: 11 }), ALICE);
    await push('team/api', 'v2', makeImage({ size: 12 }), BOB);
    await sleep(20);
    between = new Date().toISOString();
    await sleep(20);
    await expect(push('pub/web', 'latest', makeImage({ size: 13 }), null)).rejects.toThrow();
    await push('pub/web', 'latest', makeImage({ size: 13 }), [robot.name, secret]);
    await pull('pub/web', 'latest', null);
    await wharf.eventing.flushPulls();
    await push('team/api', 'v1', makeImage({ size: 14 }), BOB);
    expect((await call('/users/current', { as: ['alice', 'wrong-password'] })).status).toBe(401);
    const all = await list('/audit');
    expect(brief(all)).toEqual([
      'LOGIN_FAILED alice -:-',
      'TAG_MOVED bob team/api:v1',
      'PUSH_ARTIFACT bob team/api:v1',
      'PULL_ARTIFACT anonymous pub/web:latest',
      'PUSH_ARTIFACT robot$pub+ci pub/web:latest',
      'PUSH_ARTIFACT bob team/api:v2',
      'PUSH_ARTIFACT alice team/api:v1',
    ]);
    expect(all[0]).toMatchObject({ project: null, outcome: 'failure', actor: { kind: 'user' } });
    expect(all[0]?.detail).toEqual({ reason: 'invalid credentials' });
    expect(all[1]).toMatchObject({ project: 'team', outcome: 'success', actor: { kind: 'user' } });
    expect(all[1]?.detail?.previousDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(all[3]).toMatchObject({ project: 'pub', actor: { name: 'anonymous', kind: 'anonymous' } });
    expect(all[4]).toMatchObject({ project: 'pub', actor: { name: 'robot$pub+ci', kind: 'robot' } });
    expect(all.map((e) => e.id)).toEqual(
      all
        .map((e) => e.id)
        .sort()
        .reverse(),
    );
    expect(all.every((e) => !Number.isNaN(Date.parse(e.occurredAt)))).toBe(true);
  });

  it('filters the system-wide log by project, actor, type and time', async () => {
    expect(brief(await list('/audit?project=pub'))).toEqual([
      'PULL_ARTIFACT anonymous pub/web:latest',
      'PUSH_ARTIFACT robot$pub+ci pub/web:latest',
    ]);
    expect(brief(await list('/audit?actor=anonymous'))).toEqual(['PULL_ARTIFACT anonymous pub/web:latest']);
    expect(brief(await list('/audit?actor=bob&type=PUSH_ARTIFACT'))).toEqual([
      'PUSH_ARTIFACT bob team/api:v1',
      'PUSH_ARTIFACT bob team/api:v2',
    ]);
    expect(brief(await list('/audit?type=LOGIN_FAILED,TAG_MOVED'))).toEqual([
      'LOGIN_FAILED alice -:-',
      'TAG_MOVED bob team/api:v1',
    ]);
    const from = encodeURIComponent(between);
    expect(brief(await list(`/audit?project=team&from=${from}`))).toEqual([
      'TAG_MOVED bob team/api:v1',
      'PUSH_ARTIFACT bob team/api:v1',
    ]);
    expect(brief(await list(`/audit?to=${from}`))).toEqual([
      'PUSH_ARTIFACT bob team/api:v2',
      'PUSH_ARTIFACT alice team/api:v1',
    ]);
    expect(await list('/audit?actor=nobody')).toEqual([]);
  });

  it('pages with n and last, linking to the next page while more follow', async () => {
    const all = await list('/audit');
    const seen: Event[] = [];
    let next: string | undefined = '/audit?n=4';
    while (next) {
      const res = await call(next);
      seen.push(...((await res.json()) as Event[]));
      const link = res.headers.get('link');
      next = link ? /^<\/api\/v1([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
      if (link) expect(link).toContain(`last=${seen.at(-1)?.id}`);
    }
    expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
    const exact = await call(`/audit?n=2&type=LOGIN_FAILED,TAG_MOVED`);
    expect(exact.headers.get('link')).toBeNull();
  });

  it('refuses unknown types, bad times and cursors (400), non-admins (403) and anonymous callers (401)', async () => {
    const bad = await call('/audit?type=PUSH_ARTIFACT,NOPE');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      errors: [
        {
          code: 'WHARF_ERR_REQUEST_INVALID',
          message: 'unknown event types',
          detail: { in: 'querystring', field: 'type', unknown: ['NOPE'] },
        },
      ],
    });
    const when = await call('/audit?from=yesterday');
    expect(when.status).toBe(400);
    expect(await when.json()).toMatchObject({ errors: [{ detail: { in: 'querystring', field: 'from' } }] });
    expect((await call('/audit?last=not-an-id')).status).toBe(400);
    expect((await call('/audit?n=0')).status).toBe(400);
    expect((await call('/audit', { as: ALICE })).status).toBe(403);
    expect((await call('/audit', { as: null })).status).toBe(401);
  });

  it('shows a project’s log to its admins and to system admins, with the same filters and paging', async () => {
    const team = await list('/projects/team/audit', ALICE);
    expect(brief(team)).toEqual([
      'TAG_MOVED bob team/api:v1',
      'PUSH_ARTIFACT bob team/api:v1',
      'PUSH_ARTIFACT bob team/api:v2',
      'PUSH_ARTIFACT alice team/api:v1',
    ]);
    expect(await list('/projects/team/audit')).toEqual(team);
    expect(brief(await list('/projects/team/audit?actor=alice', ALICE))).toEqual([
      'PUSH_ARTIFACT alice team/api:v1',
    ]);
    expect(brief(await list('/projects/team/audit?type=TAG_MOVED', ALICE))).toEqual([
      'TAG_MOVED bob team/api:v1',
    ]);
    expect(await list(`/projects/team/audit?to=${encodeURIComponent(between)}&n=1`, ALICE)).toEqual([
      team[2],
    ]);
    // A project query parameter cannot widen the view: the path's project wins.
    expect(await list('/projects/team/audit?project=pub', ALICE)).toEqual(team);
    const first = await call('/projects/team/audit?n=3', { as: ALICE });
    expect(first.headers.get('link')).toBe(
      `</api/v1/projects/team/audit?n=3&last=${team[2]?.id}>; rel="next"`,
    );
    expect(await list(`/projects/team/audit?n=3&last=${team[2]?.id}`, ALICE)).toEqual([team[3]]);
  });

  it('hides a private project’s log from outsiders (404) and refuses members without manage (403)', async () => {
    expect((await call('/projects/team/audit', { as: BOB })).status).toBe(403);
    expect((await call('/projects/team/audit', { as: CAROL })).status).toBe(404);
    expect((await call('/projects/pub/audit', { as: CAROL })).status).toBe(403);
    expect((await call('/projects/team/audit?type=nope', { as: ALICE })).status).toBe(400);
  });

  // The service grants admins actions on absent projects (so a push can create one); the API must not.
  it('answers 404 to system admins too for a project that does not exist', async () => {
    const hook = { url: 'https://example.com/', enabled: false };
    for (const [path, method, body] of [
      ['/projects/nope/audit', 'GET', undefined],
      ['/projects/nope/webhooks', 'GET', undefined],
      ['/projects/nope/webhooks', 'POST', hook],
      ['/projects/nope/repositories', 'GET', undefined],
    ] as const) {
      const res = await call(path, { method, body });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(await res.json()).toMatchObject({ errors: [{ code: 'WHARF_ERR_NOT_FOUND' }] });
    }
  });
}
