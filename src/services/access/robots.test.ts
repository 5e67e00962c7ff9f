import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetaStore } from '../../adapters/meta-sql/index.js';
import type { AccessStore } from '../../ports/access-store.js';
import { AccessService } from './access-service.js';
import { AccessError } from './errors.js';
import type { Principal, ProjectAction } from './principal.js';

let access: AccessService;
let store: AccessStore;
let logs: string[];
let cleanup: () => Promise<void>;

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-access-robots-'));
  const meta = await openMetaStore(join(dir, 'wharf.db'));
  store = meta.access;
  logs = [];
  access = new AccessService({ store, log: (m) => logs.push(m) });
  cleanup = async () => {
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  };
  await access.createProject({ name: 'team-payments' });
  await access.createProject({ name: 'team-search' });
  await access.createProject({ name: 'platform', public: true });
});
afterEach(() => cleanup());

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof AccessError ? e.code : String(e)),
  );
const sorted = (s: Set<ProjectAction>) => [...s].sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ciRobot(expiresInDays?: number | null) {
  return access.createRobot({
    project: 'team-payments',
    name: 'ci',
    description: 'pipeline',
    permissions: [{ project: 'team-payments', actions: ['push', 'pull', 'pull'] }],
    ...(expiresInDays === undefined ? {} : { expiresInDays }),
  });
}

describe('robot accounts', () => {
  it('creates a project robot with a one-time secret, stored hashed', async () => {
    const { robot, secret } = await ciRobot(30);
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(robot).toMatchObject({
      name: 'robot$team-payments+ci',
      project: 'team-payments',
      description: 'pipeline',
      permissions: [{ project: 'team-payments', actions: ['pull', 'push'] }],
      disabled: false,
    });
    expect(robot).not.toHaveProperty('secretHash');
    const days = ((robot.expiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    const stored = await store.robots.get(robot.name);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(logs.join('\n')).not.toContain(secret);
    expect(await access.authenticate(robot.name, secret)).toEqual({
      kind: 'robot',
      id: robot.id,
      name: 'robot$team-payments+ci',
      permissions: [{ project: 'team-payments', actions: ['pull', 'push'] }],
    });
    expect(await access.authenticate(robot.name, `${secret}x`)).toBeUndefined();
    expect(await access.authenticate('robot$team-payments+other', secret)).toBeUndefined();
    expect((await access.listRobots('team-payments')).map((r) => r.name)).toEqual([robot.name]);
    expect(await access.listRobots()).toEqual([]);
    expect(await code(ciRobot())).toBe('CONFLICT');
  });

  it('scopes a project robot to its project', async () => {
    const { robot, secret } = await ciRobot(null);
    expect(robot.expiresAt).toBeNull();
    const p = (await access.authenticate(robot.name, secret)) as Principal;
    expect(sorted((await access.actionsOn(p, 'team-payments')).actions)).toEqual(['pull', 'push']);
    expect(sorted((await access.actionsOn(p, 'team-search')).actions)).toEqual([]);
    expect(sorted((await access.actionsOn(p, 'platform')).actions)).toEqual(['list', 'pull']);
    expect(await access.visibleProjects(p)).toEqual(new Set(['platform', 'team-payments']));
    const elsewhere = {
      project: 'team-payments',
      name: 'x',
      permissions: [{ project: 'team-search', actions: ['pull' as const] }],
    };
    expect(await code(access.createRobot(elsewhere))).toBe('INVALID');
    const wildcard = { ...elsewhere, permissions: [{ project: '*', actions: ['pull' as const] }] };
    expect(await code(access.createRobot(wildcard))).toBe('INVALID');
    const update = access.updateRobot(robot.name, {
      permissions: [{ project: 'team-search', actions: ['pull'] }],
    });
    expect(await code(update)).toBe('INVALID');
  });

  it('ignores permissions a project robot holds on other projects behind the service', async () => {
    const { robot, secret } = await ciRobot();
    await store.robots.update(robot.name, { permissions: [{ project: '*', actions: ['pull', 'delete'] }] });
    const p = (await access.authenticate(robot.name, secret)) as Principal;
    expect(sorted((await access.actionsOn(p, 'team-search')).actions)).toEqual([]);
  });

  it('validates robots', async () => {
    const base = { name: 'ci', permissions: [{ project: 'team-search', actions: ['pull' as const] }] };
    expect(await code(access.createRobot({ ...base, name: 'Bad+Name' }))).toBe('INVALID');
    expect(await code(access.createRobot({ ...base, permissions: [] }))).toBe('INVALID');
    expect(
      await code(access.createRobot({ ...base, permissions: [{ project: 'team-search', actions: [] }] })),
    ).toBe('INVALID');
    const manage = [{ project: 'team-search', actions: ['manage' as 'pull'] }];
    expect(await code(access.createRobot({ ...base, permissions: manage }))).toBe('INVALID');
    expect(await code(access.createRobot({ ...base, expiresInDays: 0 }))).toBe('INVALID');
    const ghost = [{ project: 'ghost', actions: ['pull' as const] }];
    expect(await code(access.createRobot({ ...base, project: 'ghost', permissions: ghost }))).toBe(
      'NOT_FOUND',
    );
    expect(await code(access.createRobot({ ...base, permissions: ghost }))).toBe('NOT_FOUND');
    expect(await code(access.listRobots('ghost'))).toBe('NOT_FOUND');
    for (const op of [
      access.rotateRobotSecret('robot$nope'),
      access.setRobotDisabled('robot$nope', true),
      access.deleteRobot('robot$nope'),
      access.updateRobot('robot$nope', { description: 'x' }),
    ])
      expect(await code(op)).toBe('NOT_FOUND');
  });

  it('refuses a disabled, rotated, expired or deleted robot at once, even when cached', async () => {
    const { robot, secret } = await ciRobot();
    expect(await access.authenticate(robot.name, secret)).toBeDefined();
    await access.setRobotDisabled(robot.name, true);
    expect(await access.authenticate(robot.name, secret)).toBeUndefined();
    expect(await access.principal(robot.name)).toBeUndefined();
    await access.setRobotDisabled(robot.name, false);
    expect(await access.authenticate(robot.name, secret)).toBeDefined();

    const rotated = await access.rotateRobotSecret(robot.name);
    expect(rotated).not.toBe(secret);
    expect(await access.authenticate(robot.name, secret)).toBeUndefined();
    expect(await access.authenticate(robot.name, rotated)).toBeDefined();

    await store.robots.update(robot.name, { expiresAt: new Date(Date.now() - 1000) });
    expect(await new AccessService({ store }).authenticate(robot.name, rotated)).toBeUndefined();

    await access.deleteRobot(robot.name);
    expect(await access.authenticate(robot.name, rotated)).toBeUndefined();
  });

  it('stops trusting a cached robot when it expires', async () => {
    const { robot, secret } = await ciRobot(0.3 / 86_400); // 300 ms
    expect(await access.authenticate(robot.name, secret)).toBeDefined();
    expect(await access.principal(robot.name)).toBeDefined();
    await sleep(400);
    expect(await access.authenticate(robot.name, secret)).toBeUndefined();
    expect(await access.principal(robot.name)).toBeUndefined();
  });

  it('system robots: explicit projects or every project, never manage', async () => {
    const { robot, secret } = await access.createRobot({
      name: 'replicator',
      permissions: [
        { project: 'team-search', actions: ['pull', 'list'] },
        { project: 'platform', actions: ['push'] },
      ],
    });
    expect(robot).toMatchObject({ name: 'robot$replicator', project: null });
    expect((await access.listRobots()).map((r) => r.name)).toEqual(['robot$replicator']);
    const p = (await access.authenticate(robot.name, secret)) as Principal;
    expect(sorted((await access.actionsOn(p, 'team-search')).actions)).toEqual(['list', 'pull']);
    expect(sorted((await access.actionsOn(p, 'platform')).actions)).toEqual(['list', 'pull', 'push']);
    expect(sorted((await access.actionsOn(p, 'team-payments')).actions)).toEqual([]);
    expect(await access.visibleProjects(p)).toEqual(new Set(['platform', 'team-search']));

    const all = await access.createRobot({
      name: 'scanner',
      permissions: [{ project: '*', actions: ['pull'] }],
    });
    const q = (await access.authenticate(all.robot.name, all.secret)) as Principal;
    expect(sorted((await access.actionsOn(q, 'team-payments')).actions)).toEqual(['pull']);
    expect(await access.visibleProjects(q)).toEqual(new Set(['platform', 'team-payments', 'team-search']));
  });

  it('deleting a project removes its robots and its place in system robots', async () => {
    const { robot, secret } = await ciRobot();
    const sys = await access.createRobot({
      name: 'sync',
      permissions: [
        { project: 'team-payments', actions: ['pull'] },
        { project: 'team-search', actions: ['pull'] },
      ],
    });
    expect(await access.authenticate(robot.name, secret)).toBeDefined();
    await access.deleteProject('team-payments');
    expect(await access.authenticate(robot.name, secret)).toBeUndefined();
    expect((await access.getRobot('robot$sync'))?.permissions).toEqual([
      { project: 'team-search', actions: ['pull'] },
    ]);
    await access.createProject({ name: 'team-payments' });
    const p = (await access.authenticate(sys.robot.name, sys.secret)) as Principal;
    expect(sorted((await access.actionsOn(p, 'team-payments')).actions)).toEqual([]);
  });

  it('updates description, permissions and expiry', async () => {
    const { robot, secret } = await ciRobot();
    const before = (await access.authenticate(robot.name, secret)) as Principal;
    expect(sorted((await access.actionsOn(before, 'team-payments')).actions)).toEqual(['pull', 'push']);
    const updated = await access.updateRobot(robot.name, {
      description: null,
      permissions: [{ project: 'team-payments', actions: ['pull'] }],
      expiresInDays: 1,
    });
    expect(updated).toMatchObject({
      description: null,
      permissions: [{ project: 'team-payments', actions: ['pull'] }],
    });
    const after = (await access.authenticate(robot.name, secret)) as Principal;
    expect(sorted((await access.actionsOn(after, 'team-payments')).actions)).toEqual(['pull']);
  });
});
