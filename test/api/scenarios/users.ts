import { expect, it } from 'vitest';
import { ALICE, BOB, CAROL, type World } from '../support/world.js';

export function userScenarios(w: () => World): void {
  const call = (...a: Parameters<World['server']['call']>) => w().server.call(...a);

  it('says who the caller is; anonymous and wrong passwords get 401 with a JSON body', async () => {
    expect(await (await call('/users/current', { as: BOB })).json()).toEqual({
      kind: 'user',
      name: 'bob',
      admin: false,
    });
    expect(await (await call('/users/current')).json()).toEqual({ kind: 'user', name: 'admin', admin: true });
    const anon = await call('/users/current', { as: null });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await anon.json()).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });
    expect((await call('/users/current', { as: ['bob', 'wrong'] })).status).toBe(401);
  });

  it('lists and creates users (admins only), paged', async () => {
    const page = await call('/users?n=2');
    expect(((await page.json()) as { username: string }[]).map((u) => u.username)).toEqual([
      'admin',
      'alice',
    ]);
    expect(page.headers.get('link')).toBe('</api/v1/users?n=2&last=alice>; rel="next"');
    expect((await call('/users', { as: BOB })).status).toBe(403);
    const body = { username: 'dave', password: 'dave-password', email: 'dave@example.com' };
    const created = await call('/users', { method: 'POST', body });
    expect(created.status).toBe(201);
    const user = await created.json();
    expect(user).toMatchObject({
      username: 'dave',
      email: 'dave@example.com',
      admin: false,
      disabled: false,
    });
    expect(user).not.toHaveProperty('password');
    expect((await call('/users', { method: 'POST', body })).status).toBe(409);
    expect(
      (await call('/users', { method: 'POST', body: { username: 'eve', password: 'short' } })).status,
    ).toBe(400);
    expect(
      (await call('/users', { method: 'POST', body: { ...body, username: 'x' }, as: ALICE })).status,
    ).toBe(403);
  });

  it('shows a user to itself and to admins only', async () => {
    expect(await (await call('/users/bob', { as: BOB })).json()).toMatchObject({ username: 'bob' });
    expect((await call('/users/bob', { as: CAROL })).status).toBe(403);
    expect((await call('/users/nobody')).status).toBe(404);
  });

  it('lets users change their own password, and only admins change flags', async () => {
    const own = await call('/users/dave', {
      method: 'PATCH',
      body: { password: 'new-dave-password' },
      as: ['dave', 'dave-password'],
    });
    expect(own.status).toBe(200);
    expect((await call('/users/current', { as: ['dave', 'new-dave-password'] })).status).toBe(200);
    const self = ['dave', 'new-dave-password'] as [string, string];
    expect((await call('/users/dave', { method: 'PATCH', body: { admin: true }, as: self })).status).toBe(
      403,
    );
    expect(
      (await call('/users/bob', { method: 'PATCH', body: { password: 'bob-hijacked' }, as: self })).status,
    ).toBe(403);
    expect((await call('/users/dave', { method: 'PATCH', body: { bogus: 1 } })).status).toBe(400);
    const disabled = await call('/users/dave', { method: 'PATCH', body: { disabled: true } });
    expect(await disabled.json()).toMatchObject({ disabled: true });
    expect((await call('/users/current', { as: self })).status).toBe(401);
  });

  it('deletes users (admins only, never themselves)', async () => {
    expect((await call('/users/dave', { method: 'DELETE', as: BOB })).status).toBe(403);
    expect((await call('/users/admin', { method: 'DELETE' })).status).toBe(409);
    expect((await call('/users/dave', { method: 'DELETE' })).status).toBe(204);
    expect((await call('/users/dave', { method: 'DELETE' })).status).toBe(404);
  });
}
