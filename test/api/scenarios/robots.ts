import { expect, it } from 'vitest';
import { ALICE, BOB, CAROL, type World } from '../support/world.js';

export function robotScenarios(w: () => World): void {
  const call = (...a: Parameters<World['server']['call']>) => w().server.call(...a);
  const ci = encodeURIComponent('robot$team+ci');
  const whoami = async (name: string, secret: string) =>
    (await call('/users/current', { as: [name, secret] })).status;
  let firstSecret = '';

  it('creates project robots (project admins), the secret shown once', async () => {
    const body = {
      name: 'ci',
      description: 'pipeline',
      permissions: [{ project: 'team', actions: ['pull', 'push'] }],
    };
    const created = await call('/projects/team/robots', { method: 'POST', body, as: ALICE });
    expect(created.status).toBe(201);
    const robot = (await created.json()) as { name: string; secret: string };
    expect(robot).toMatchObject({ name: 'robot$team+ci', project: 'team', disabled: false, expiresAt: null });
    expect(robot.secret.length).toBeGreaterThan(10);
    firstSecret = robot.secret;
    expect(await (await call('/users/current', { as: [robot.name, robot.secret] })).json()).toMatchObject({
      kind: 'robot',
    });
    expect((await call('/projects/team/robots', { method: 'POST', body, as: ALICE })).status).toBe(409);
    expect((await call('/projects/team/robots', { method: 'POST', body, as: BOB })).status).toBe(403);
    expect((await call('/projects/team/robots', { method: 'POST', body, as: CAROL })).status).toBe(404);
    const foreign = { ...body, name: 'x', permissions: [{ project: 'pub', actions: ['pull'] }] };
    const refused = await call('/projects/team/robots', { method: 'POST', body: foreign, as: ALICE });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errors: [{ detail: { field: 'permissions' } }] });
    expect((await call('/projects/team/robots', { as: CAROL })).status).toBe(404);
    const listed = await call('/projects/team/robots', { as: ALICE });
    expect(await listed.json()).toEqual([expect.objectContaining({ name: 'robot$team+ci' })]);
    expect(JSON.stringify(await (await call(`/robots/${ci}`, { as: ALICE })).json())).not.toContain('secret');
  });

  it('creates and lists system robots (admins only)', async () => {
    const body = {
      name: 'mirror',
      permissions: [{ project: '*', actions: ['pull'] }],
      expiresAt: '2099-01-01T00:00:00Z',
    };
    const created = await call('/robots', { method: 'POST', body });
    const mirror = (await created.json()) as { expiresAt: string };
    expect(mirror).toMatchObject({ name: 'robot$mirror', project: null });
    expect(mirror.expiresAt).toBe('2099-01-01T00:00:00.000Z');
    expect(await (await call('/robots')).json()).toEqual([expect.objectContaining({ name: 'robot$mirror' })]);
    expect((await call('/robots', { as: ALICE })).status).toBe(403);
    expect((await call('/robots', { method: 'POST', body: { ...body, name: 'm2' }, as: ALICE })).status).toBe(
      403,
    );
    expect((await call('/robots', { method: 'POST', body: { ...body, expiresAt: 'soon' } })).status).toBe(
      400,
    );
    expect((await call(`/robots/${encodeURIComponent('robot$mirror')}`, { as: ALICE })).status).toBe(403);
  });

  it('disables, re-scopes, rotates and deletes a robot', async () => {
    const patched = await call(`/robots/${ci}`, {
      method: 'PATCH',
      body: { description: 'ci-2', disabled: true },
      as: ALICE,
    });
    expect(await patched.json()).toMatchObject({ description: 'ci-2', disabled: true });
    expect(await whoami('robot$team+ci', firstSecret)).toBe(401);
    expect(
      (await call(`/robots/${ci}`, { method: 'PATCH', body: { disabled: false }, as: BOB })).status,
    ).toBe(403);
    const bad = { permissions: [{ project: 'pub', actions: ['pull'] }] };
    expect((await call(`/robots/${ci}`, { method: 'PATCH', body: bad, as: ALICE })).status).toBe(400);
    await call(`/robots/${ci}`, { method: 'PATCH', body: { disabled: false }, as: ALICE });
    expect(await whoami('robot$team+ci', firstSecret)).toBe(200);
    const forever = await call(`/robots/${ci}`, { method: 'PATCH', body: { expiresAt: null }, as: ALICE });
    expect(await forever.json()).toMatchObject({ expiresAt: null, description: 'ci-2', disabled: false });
    const rotated = (await (await call(`/robots/${ci}/rotate`, { method: 'POST', as: ALICE })).json()) as {
      secret: string;
    };
    expect(await whoami('robot$team+ci', rotated.secret)).toBe(200);
    expect(await whoami('robot$team+ci', firstSecret)).toBe(401);
    expect((await call(`/robots/${ci}/rotate`, { method: 'POST', as: CAROL })).status).toBe(404);
    expect((await call(`/robots/${ci}`, { method: 'DELETE', as: BOB })).status).toBe(403);
    expect((await call(`/robots/${ci}`, { method: 'DELETE', as: ALICE })).status).toBe(204);
    expect((await call(`/robots/${ci}`, { as: ALICE })).status).toBe(404);
    expect(await whoami('robot$team+ci', rotated.secret)).toBe(401);
  });

  // The API takes an exact date; it must come back exactly, not re-derived from a number of days.
  it('keeps the expiry date it is given, on create and on change', async () => {
    const at = '2098-06-01T12:00:00.000Z';
    const created = await call('/projects/team/robots', {
      method: 'POST',
      body: { name: 'expiring', permissions: [{ project: 'team', actions: ['pull'] }], expiresAt: at },
      as: ALICE,
    });
    expect(await created.json()).toMatchObject({ name: 'robot$team+expiring', expiresAt: at });
    const name = encodeURIComponent('robot$team+expiring');
    for (const later of ['2098-07-01T00:00:00.000Z', '2098-08-01T00:00:00.000Z']) {
      const patched = await call(`/robots/${name}`, {
        method: 'PATCH',
        body: { expiresAt: later },
        as: ALICE,
      });
      expect(await patched.json()).toMatchObject({ expiresAt: later });
      expect(await (await call(`/robots/${name}`, { as: ALICE })).json()).toMatchObject({ expiresAt: later });
    }
    expect((await call(`/robots/${name}`, { method: 'DELETE', as: ALICE })).status).toBe(204);
  });
}
