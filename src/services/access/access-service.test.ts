import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetaStore } from '../../adapters/meta-sql/index.js';
import type { AccessStore } from '../../ports/access-store.js';
import { AccessService } from './access-service.js';
import { AccessError } from './errors.js';
import type { Principal, ProjectAction, Role } from './principal.js';

let access: AccessService;
let store: AccessStore;
let logs: string[];
let cleanup: () => Promise<void>;

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-access-svc-'));
  const meta = await openMetaStore(join(dir, 'wharf.db'));
  store = meta.access;
  logs = [];
  access = new AccessService({ store, log: (m) => logs.push(m) });
  cleanup = async () => {
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  };
});
afterEach(() => cleanup());

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof AccessError ? e.code : String(e)),
  );
const sorted = (s: Set<ProjectAction>) => [...s].sort();
const anonymous: Principal = { kind: 'anonymous' };

describe('ensureAdmin', () => {
  it('creates the admin once, with a generated password returned to print', async () => {
    const { generatedPassword } = await access.ensureAdmin();
    expect(generatedPassword).toMatch(/^[\w-]{24}$/);
    const admin = await access.authenticate('admin', generatedPassword ?? '');
    expect(admin).toMatchObject({ kind: 'user', name: 'admin', admin: true });
    expect(await access.ensureAdmin()).toEqual({});
    expect(await access.ensureAdmin({ password: 'something-else' })).toEqual({});
    expect(await access.authenticate('admin', 'something-else')).toBeUndefined();
    expect(logs.some((l) => /configured admin password is ignored/.test(l))).toBe(true);
    expect(logs.join('\n')).not.toContain(generatedPassword);
    expect((await access.listUsers()).map((u) => u.username)).toEqual(['admin']);
  });

  it('uses the configured password on an empty database, and is safe when replicas race', async () => {
    const replicas = [access, new AccessService({ store }), new AccessService({ store })];
    const results = await Promise.all(replicas.map((a) => a.ensureAdmin({ password: 'configured-pw' })));
    expect(results).toEqual([{}, {}, {}]);
    expect(await access.authenticate('admin', 'configured-pw')).toMatchObject({ admin: true });
    expect(await store.users.count()).toBe(1);
    expect(await code(new AccessService({ store: store }).ensureAdmin({ password: 'short' }))).toBe(
      'resolved',
    );
  });

  it('refuses a configured password that is too short on an empty database', async () => {
    expect(await code(access.ensureAdmin({ password: 'short' }))).toBe('INVALID');
  });
});

describe('authenticate users', () => {
  beforeEach(async () => {
    await access.createUser({ username: 'alice', password: 'alice-password', email: 'alice@example.com' });
  });

  it('accepts the right password only', async () => {
    expect(await access.authenticate('alice', 'alice-password')).toEqual({
      kind: 'user',
      id: expect.any(Number),
      name: 'alice',
      admin: false,
    });
    expect(await access.authenticate('alice', 'alice-passwordX')).toBeUndefined();
    expect(await access.authenticate('bob', 'alice-password')).toBeUndefined();
    expect(await access.authenticate('alice', '')).toBeUndefined();
    expect(await access.authenticate('alice', 'x'.repeat(5000))).toBeUndefined();
  });

  it('caches a success, and a password change, disabling or deletion ends it at once', async () => {
    const again = () => access.authenticate('alice', 'alice-password');
    expect(await again()).toBeDefined();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 50 }, again));
    expect(performance.now() - t0).toBeLessThan(200); // 50 scrypt checks would take seconds

    await access.setPassword('alice', 'new-password');
    expect(await again()).toBeUndefined();
    expect(await access.authenticate('alice', 'new-password')).toBeDefined();
    await access.disableUser('alice');
    expect(await access.authenticate('alice', 'new-password')).toBeUndefined();
    expect(await access.principal('alice')).toBeUndefined();
    await access.disableUser('alice', false);
    expect(await access.authenticate('alice', 'new-password')).toBeDefined();
    await access.setAdmin('alice', true);
    expect(await access.authenticate('alice', 'new-password')).toMatchObject({ admin: true });
    await access.createUser({ username: 'root', password: 'root-password', admin: true });
    await access.deleteUser('alice');
    expect(await access.authenticate('alice', 'new-password')).toBeUndefined();
    expect(logs.join('\n')).not.toMatch(/alice-password|new-password|root-password/);
  });

  it('validates users and reports conflicts and absences', async () => {
    expect(await code(access.createUser({ username: 'alice', password: 'whatever-pw' }))).toBe('CONFLICT');
    expect(await code(access.createUser({ username: 'robot$x', password: 'whatever-pw' }))).toBe('INVALID');
    expect(await code(access.createUser({ username: 'Bob', password: 'whatever-pw' }))).toBe('INVALID');
    expect(await code(access.createUser({ username: 'bob', password: 'short' }))).toBe('INVALID');
    expect(await code(access.createUser({ username: 'bob', password: 'long-enough', email: 'no' }))).toBe(
      'INVALID',
    );
    expect(await code(access.setPassword('nobody', 'long-enough'))).toBe('NOT_FOUND');
    expect(await code(access.deleteUser('nobody'))).toBe('NOT_FOUND');
    const alice = await access.getUser('alice');
    expect(alice).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      admin: false,
      disabled: false,
    });
    expect(alice).not.toHaveProperty('passwordHash');
    expect(alice).not.toHaveProperty('passwordSalt');
  });

  it('never loses the last enabled system admin', async () => {
    await access.createUser({ username: 'root', password: 'root-password', admin: true });
    expect(await code(access.setAdmin('root', false))).toBe('FORBIDDEN');
    expect(await code(access.disableUser('root'))).toBe('FORBIDDEN');
    expect(await code(access.deleteUser('root'))).toBe('FORBIDDEN');
    await access.setAdmin('alice', true);
    await access.deleteUser('root');
    expect(await access.getUser('root')).toBeUndefined();
  });
});

describe('projects and members', () => {
  it('validates project names and settings, and reports conflicts', async () => {
    const p = await access.createProject({ name: 'team-payments', public: true, quotaBytes: 1024 });
    expect(p).toMatchObject({
      name: 'team-payments',
      public: true,
      quotaBytes: 1024,
      pullRatePerMinute: null,
    });
    for (const name of ['Team', '-a', 'a-', 'a..b', 'a/b', '', 'x'.repeat(256), 'a___b'])
      expect(await code(access.createProject({ name })), name).toBe('INVALID');
    for (const name of ['a', 'a.b', 'a_b', 'a__b', 'a---b', '0'])
      expect(await code(access.createProject({ name })), name).toBe('resolved');
    expect(await code(access.createProject({ name: 'team-payments' }))).toBe('CONFLICT');
    expect(await code(access.createProject({ name: 'q', quotaBytes: -1 }))).toBe('INVALID');
    expect(await code(access.updateProject('team-payments', { pullRatePerMinute: 1.5 }))).toBe('INVALID');
    expect(
      await access.updateProject('team-payments', { public: false, pullRatePerMinute: 60 }),
    ).toMatchObject({
      public: false,
      pullRatePerMinute: 60,
    });
    expect(await code(access.updateProject('nope', { public: true }))).toBe('NOT_FOUND');
    expect((await access.listProjects({ n: 2 })).map((x) => x.name)).toEqual(['0', 'a']);
    expect((await access.listProjects({ last: 'a_b' })).map((x) => x.name)).toEqual(['team-payments']);
    await access.deleteProject('team-payments');
    expect(await code(access.deleteProject('team-payments'))).toBe('NOT_FOUND');
  });

  it('ensureProject creates a private project once', async () => {
    const [a, b] = await Promise.all([access.ensureProject('auto'), access.ensureProject('auto')]);
    expect(a).toEqual(b);
    expect(a.public).toBe(false);
    expect(await code(access.ensureProject('Bad'))).toBe('INVALID');
  });

  it('adds, changes, lists and removes members', async () => {
    await access.createProject({ name: 'team-a' });
    await access.createUser({ username: 'alice', password: 'alice-password' });
    await access.addMember('team-a', 'alice', 'developer');
    await access.addMember('team-a', 'alice', 'maintainer');
    expect(await access.listMembers('team-a')).toEqual([
      expect.objectContaining({ username: 'alice', role: 'maintainer' }),
    ]);
    expect(await code(access.addMember('team-a', 'alice', 'owner' as Role))).toBe('INVALID');
    expect(await code(access.addMember('team-a', 'bob', 'guest'))).toBe('NOT_FOUND');
    expect(await code(access.addMember('team-b', 'alice', 'guest'))).toBe('NOT_FOUND');
    await access.removeMember('team-a', 'alice');
    expect(await code(access.removeMember('team-a', 'alice'))).toBe('NOT_FOUND');
    expect(await access.listMembers('team-a')).toEqual([]);
  });
});

describe('actionsOn and visibleProjects', () => {
  const roles: Role[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'];
  const expected: Record<Role, ProjectAction[]> = {
    projectAdmin: ['delete', 'list', 'manage', 'pull', 'push'],
    maintainer: ['delete', 'list', 'pull', 'push'],
    developer: ['list', 'pull', 'push'],
    guest: ['list', 'pull'],
    limitedGuest: ['pull'],
  };
  const principals: Record<string, Principal> = {};

  beforeEach(async () => {
    await access.createProject({ name: 'private' });
    await access.createProject({ name: 'public', public: true });
    await access.createProject({ name: 'other' });
    for (const role of roles) {
      const username = role.toLowerCase();
      await access.createUser({ username, password: 'password-123' });
      await access.addMember('private', username, role);
      await access.addMember('public', username, role);
      principals[role] = (await access.principal(username)) ?? anonymous;
    }
    await access.createUser({ username: 'root', password: 'password-123', admin: true });
    await access.createUser({ username: 'nobody', password: 'password-123' });
  });

  it('gives each role its actions on private and public projects', async () => {
    for (const role of roles) {
      const p = principals[role] ?? anonymous;
      expect(sorted((await access.actionsOn(p, 'private')).actions), role).toEqual(expected[role]);
      const onPublic = new Set([...expected[role], 'pull', 'list']);
      expect(sorted((await access.actionsOn(p, 'public')).actions), role).toEqual([...onPublic].sort());
      expect(sorted((await access.actionsOn(p, 'other')).actions), role).toEqual([]);
    }
  });

  it('gives admins everything (even on a project not created yet), outsiders only public pull and list', async () => {
    const root = (await access.principal('root')) ?? anonymous;
    const nobody = (await access.principal('nobody')) ?? anonymous;
    expect((await access.actionsOn(root, 'private')).actions.size).toBe(5);
    const missing = await access.actionsOn(root, 'not-yet');
    expect(missing.project).toBeUndefined();
    expect(missing.actions.size).toBe(5);
    expect(sorted((await access.actionsOn(nobody, 'not-yet')).actions)).toEqual([]);
    expect(sorted((await access.actionsOn(nobody, 'private')).actions)).toEqual([]);
    expect(sorted((await access.actionsOn(nobody, 'public')).actions)).toEqual(['list', 'pull']);
    expect(sorted((await access.actionsOn(anonymous, 'public')).actions)).toEqual(['list', 'pull']);
    expect(sorted((await access.actionsOn(anonymous, 'private')).actions)).toEqual([]);
    expect((await access.actionsOn(anonymous, 'public')).project?.name).toBe('public');
  });

  it('sees changes made through the service at once', async () => {
    const nobody = (await access.principal('nobody')) ?? anonymous;
    expect(sorted((await access.actionsOn(nobody, 'other')).actions)).toEqual([]);
    await access.updateProject('other', { public: true });
    expect(sorted((await access.actionsOn(nobody, 'other')).actions)).toEqual(['list', 'pull']);
    await access.addMember('other', 'nobody', 'developer');
    expect(sorted((await access.actionsOn(nobody, 'other')).actions)).toEqual(['list', 'pull', 'push']);
    await access.removeMember('other', 'nobody');
    await access.deleteProject('other');
    expect((await access.actionsOn(nobody, 'other')).project).toBeUndefined();
    expect(await access.visibleProjects(nobody)).toEqual(new Set(['public']));
    await access.createProject({ name: 'other', public: true });
    expect(await access.visibleProjects(nobody)).toEqual(new Set(['public', 'other']));
  });

  it('lists the visible projects for the catalog', async () => {
    const root = (await access.principal('root')) ?? anonymous;
    const nobody = (await access.principal('nobody')) ?? anonymous;
    expect(await access.visibleProjects(root)).toBe('all');
    expect(await access.visibleProjects(anonymous)).toEqual(new Set(['public']));
    expect(await access.visibleProjects(nobody)).toEqual(new Set(['public']));
    expect(await access.visibleProjects(principals.limitedGuest ?? anonymous)).toEqual(
      new Set(['public', 'private']),
    );
  });
});
