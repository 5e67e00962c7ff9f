import { expect, it } from 'vitest';
import { makeImage } from '../../helpers/images.js';
import { ALICE, BOB, CAROL, type World } from '../support/world.js';

export function projectScenarios(w: () => World): void {
  const call = (...a: Parameters<World['server']['call']>) => w().server.call(...a);

  it('lists the projects a caller can see, paged with a Link header and filtered by name', async () => {
    const names = async (as: [string, string], q = '') =>
      ((await (await call(`/projects${q}`, { as })).json()) as { name: string }[]).map((p) => p.name);
    expect(await names(CAROL)).toEqual(['pub']);
    expect(await names(BOB)).toEqual(['pub', 'team']);
    expect(await names(BOB, '?name=ea')).toEqual(['team']);
    const first = await call('/projects?n=1');
    expect(await first.json()).toEqual([expect.objectContaining({ name: 'pub' })]);
    expect(first.headers.get('link')).toBe('</api/v1/projects?n=1&last=pub>; rel="next"');
    const second = await call('/projects?n=1&last=pub');
    expect(second.headers.get('link')).toBeNull();
    expect(await call('/projects?n=0')).toHaveProperty('status', 400);
  });

  it('creates projects (admins only), refuses duplicates and invalid bodies', async () => {
    const res = await call('/projects', { method: 'POST', body: { name: 'platform', public: true } });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/v1/projects/platform');
    expect(await res.json()).toMatchObject({ name: 'platform', public: true, quotaBytes: null });
    const dup = await call('/projects', { method: 'POST', body: { name: 'platform' } });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ errors: [{ code: 'WHARF_ERR_CONFLICT' }] });
    const bad = await call('/projects', { method: 'POST', body: { name: 'x', quotaBytes: -1 } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [{ detail: { in: 'body', field: 'quotaBytes' } }] });
    expect((await call('/projects', { method: 'POST', body: { name: 'y' }, as: ALICE })).status).toBe(403);
    expect((await call('/projects', { method: 'POST', body: { name: 'y' }, as: null })).status).toBe(401);
  });

  it('shows a project to those who see it, 404 to others (private is invisible)', async () => {
    expect(await (await call('/projects/team', { as: BOB })).json()).toMatchObject({
      name: 'team',
      public: false,
    });
    const hidden = await call('/projects/team', { as: CAROL });
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toMatchObject({ errors: [{ code: 'WHARF_ERR_NOT_FOUND' }] });
    expect((await call('/projects/nope')).status).toBe(404);
  });

  it('lets project admins change settings; developers get 403, outsiders 404', async () => {
    const patch = { quotaBytes: 1_000_000, pullRatePerMinute: 60 };
    const ok = await call('/projects/team', { method: 'PATCH', body: patch, as: ALICE });
    expect(await ok.json()).toMatchObject({ name: 'team', ...patch });
    expect((await call('/projects/team', { method: 'PATCH', body: patch, as: BOB })).status).toBe(403);
    expect((await call('/projects/team', { method: 'PATCH', body: patch, as: CAROL })).status).toBe(404);
    expect((await call('/projects/team', { method: 'PATCH', body: {}, as: ALICE })).status).toBe(400);
    const reset = { quotaBytes: null, pullRatePerMinute: null };
    expect(await (await call('/projects/team', { method: 'PATCH', body: reset })).json()).toMatchObject(
      reset,
    );
  });

  it('refuses to delete a project holding repositories unless forced', async () => {
    await call('/projects', { method: 'POST', body: { name: 'doomed' } });
    await w().server.push('doomed/app', 'v1', makeImage());
    expect((await call('/projects/doomed', { method: 'DELETE', as: ALICE })).status).toBe(404);
    const refused = await call('/projects/doomed', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ errors: [{ detail: { repositories: ['doomed/app'] } }] });
    expect((await call('/projects/doomed?force=true', { method: 'DELETE' })).status).toBe(204);
    expect((await call('/projects/doomed')).status).toBe(404);
    expect(await w().server.meta.catalog.repositories('doomed', { n: 5 })).toEqual([]);
    expect((await call('/projects/pub', { method: 'DELETE', as: BOB })).status).toBe(403);
  });

  it('manages members: list (members and admins), add or change role, remove', async () => {
    const list = async (as: [string, string]) => call('/projects/team/members', { as });
    expect(await (await list(BOB)).json()).toEqual([
      { username: 'alice', role: 'projectAdmin' },
      { username: 'bob', role: 'developer' },
    ]);
    expect((await list(CAROL)).status).toBe(404);
    expect((await call('/projects/pub/members', { as: CAROL })).status).toBe(403);
    const add = { username: 'carol', role: 'guest' };
    expect((await call('/projects/team/members', { method: 'POST', body: add, as: BOB })).status).toBe(403);
    expect(
      await (await call('/projects/team/members', { method: 'POST', body: add, as: ALICE })).json(),
    ).toEqual(add);
    expect((await list(CAROL)).status).toBe(200);
    const bad = await call('/projects/team/members', {
      method: 'POST',
      body: { username: 'carol', role: 'owner' },
    });
    expect(bad.status).toBe(400);
    const ghost = await call('/projects/team/members', {
      method: 'POST',
      body: { username: 'ghost', role: 'guest' },
    });
    expect(ghost.status).toBe(404);
    expect((await call('/projects/team/members/carol', { method: 'DELETE', as: ALICE })).status).toBe(204);
    expect((await call('/projects/team/members/carol', { method: 'DELETE', as: ALICE })).status).toBe(404);
    expect((await list(CAROL)).status).toBe(404);
  });
}
