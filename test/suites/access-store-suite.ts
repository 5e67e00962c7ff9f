import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AccessStore,
  ConflictError,
  type RobotRecord,
  type UserRecord,
} from '../../src/ports/access-store.js';

export interface OpenedAccessStore {
  store: AccessStore;
  /** Closes the store and removes the database. */
  cleanup: () => Promise<void>;
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function user(username: string, extra: Partial<UserRecord> = {}): Omit<UserRecord, 'id' | 'createdAt'> {
  return {
    username,
    email: null,
    admin: false,
    disabled: false,
    passwordHash: 'aGFzaA==',
    passwordSalt: 'c2FsdA==',
    ...extra,
  };
}

function robot(name: string, projectId: number | null, extra: Partial<RobotRecord> = {}) {
  return {
    name,
    projectId,
    description: null,
    permissions: [{ project: 'team-a', actions: ['pull' as const, 'push' as const] }],
    secretHash: 'aA==',
    secretSalt: 'cw==',
    expiresAt: null,
    disabled: false,
    ...extra,
  };
}

const project = (name: string, isPublic = false) => ({
  name,
  public: isPublic,
  quotaBytes: null,
  pullRatePerMinute: null,
});

/** The AccessStore contract, for every backend. Each test gets a fresh, empty database from `open`. */
export function accessStoreSuite(name: string, open: () => Promise<OpenedAccessStore>): void {
  describe(`AccessStore contract: ${name}`, () => {
    let h: OpenedAccessStore;
    let s: AccessStore;
    beforeEach(async () => {
      h = await open();
      s = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('creates, reads, updates and deletes projects', async () => {
      const before = Date.now();
      const p = await s.projects.create({
        name: 'team-a',
        public: true,
        quotaBytes: 2 ** 40,
        pullRatePerMinute: 60,
      });
      expect(p).toMatchObject({ name: 'team-a', public: true, quotaBytes: 2 ** 40, pullRatePerMinute: 60 });
      expect(p.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(await s.projects.get('team-a')).toEqual(p);
      expect(await s.projects.getById(p.id)).toEqual(p);
      expect(await s.projects.get('team-b')).toBeUndefined();
      expect(await s.projects.getById(p.id + 1000)).toBeUndefined();
      await expect(s.projects.create(project('team-a'))).rejects.toBeInstanceOf(ConflictError);

      const upd = await s.projects.update('team-a', { public: false, quotaBytes: null });
      expect(upd).toEqual({ ...p, public: false, quotaBytes: null });
      expect(await s.projects.update('team-a', {})).toEqual(upd);
      expect(await s.projects.update('nope', { public: true })).toBeUndefined();
      expect(await s.projects.delete('team-a')).toBe(true);
      expect(await s.projects.delete('team-a')).toBe(false);
      expect(await s.projects.get('team-a')).toBeUndefined();
    });

    it('lists projects by name in byte order, paged, optionally by visibility', async () => {
      const names = ['b', 'a_x', 'aZ', 'a-1', 'a.b', 'zz', 'a'];
      for (const [i, n] of names.entries()) await s.projects.create(project(n, i % 2 === 0));
      const sorted = [...names].sort(byBytes);
      const all = await s.projects.list({ n: 100 });
      expect(all.map((p) => p.name)).toEqual(sorted);
      const first = await s.projects.list({ n: 3 });
      const rest = await s.projects.list({ n: 100, last: first.at(-1)?.name ?? '' });
      expect([...first, ...rest].map((p) => p.name)).toEqual(sorted);
      const pub = await s.projects.list({ n: 100, public: true });
      expect(pub.map((p) => p.name)).toEqual(names.filter((_, i) => i % 2 === 0).sort(byBytes));
      expect((await s.projects.list({ n: 100, public: false })).every((p) => !p.public)).toBe(true);
    });

    it('creates, reads, updates, counts and deletes users', async () => {
      expect(await s.users.count()).toBe(0);
      const u = await s.users.create(user('alice', { email: 'a@example.com', admin: true }));
      expect(u).toMatchObject({ username: 'alice', email: 'a@example.com', admin: true, disabled: false });
      expect(u.passwordHash).toBe('aGFzaA==');
      expect(await s.users.get('alice')).toEqual(u);
      expect(await s.users.getById(u.id)).toEqual(u);
      expect(await s.users.get('bob')).toBeUndefined();
      await expect(s.users.create(user('alice'))).rejects.toBeInstanceOf(ConflictError);
      await s.users.create(user('Bob'));
      await s.users.create(user('_carol'));
      expect(await s.users.count()).toBe(3);
      const listed = (await s.users.list({ n: 10 })).map((x) => x.username);
      expect(listed).toEqual(['Bob', '_carol', 'alice']);
      expect((await s.users.list({ n: 10, last: '_carol' })).map((x) => x.username)).toEqual(['alice']);

      const upd = await s.users.update('alice', {
        email: null,
        admin: false,
        disabled: true,
        passwordHash: 'bmV3',
        passwordSalt: 'c2FsdDI=',
      });
      expect(upd).toEqual({
        ...u,
        email: null,
        admin: false,
        disabled: true,
        passwordHash: 'bmV3',
        passwordSalt: 'c2FsdDI=',
      });
      expect(await s.users.update('nobody', { admin: true })).toBeUndefined();
      expect(await s.users.delete('alice')).toBe(true);
      expect(await s.users.delete('alice')).toBe(false);
      expect(await s.users.count()).toBe(2);
    });

    it('sets, changes, lists and removes members; they go with their project or user', async () => {
      const a = await s.projects.create(project('team-a'));
      const b = await s.projects.create(project('team-b', true));
      const alice = await s.users.create(user('alice'));
      const bob = await s.users.create(user('bob'));
      await s.members.set(a.id, alice.id, 'developer');
      await s.members.set(a.id, bob.id, 'guest');
      await s.members.set(b.id, alice.id, 'limitedGuest');
      await s.members.set(a.id, alice.id, 'maintainer');
      expect(await s.members.role(a.id, alice.id)).toBe('maintainer');
      expect(await s.members.role(b.id, bob.id)).toBeUndefined();
      expect(await s.members.list(a.id)).toEqual([
        { projectId: a.id, userId: alice.id, username: 'alice', role: 'maintainer' },
        { projectId: a.id, userId: bob.id, username: 'bob', role: 'guest' },
      ]);
      expect(await s.members.projectsOf(alice.id)).toEqual([
        { project: a, role: 'maintainer' },
        { project: b, role: 'limitedGuest' },
      ]);
      expect(await s.members.remove(a.id, bob.id)).toBe(true);
      expect(await s.members.remove(a.id, bob.id)).toBe(false);

      await s.projects.delete('team-a');
      expect(await s.members.projectsOf(alice.id)).toEqual([{ project: b, role: 'limitedGuest' }]);
      await s.users.delete('alice');
      expect(await s.members.list(b.id)).toEqual([]);
    });

    it('refuses a member of a project or user that does not exist', async () => {
      const a = await s.projects.create(project('team-a'));
      const alice = await s.users.create(user('alice'));
      await expect(s.members.set(a.id + 1000, alice.id, 'guest')).rejects.toThrow();
      await expect(s.members.set(a.id, alice.id + 1000, 'guest')).rejects.toThrow();
    });

    it('creates, reads, lists, updates and deletes robots; project robots go with their project', async () => {
      const a = await s.projects.create(project('team-a'));
      const expiresAt = new Date(Date.UTC(2030, 0, 1));
      const r = await s.robots.create(robot('robot$team-a+ci', a.id, { description: 'CI', expiresAt }));
      expect(r).toMatchObject({
        name: 'robot$team-a+ci',
        projectId: a.id,
        description: 'CI',
        permissions: [{ project: 'team-a', actions: ['pull', 'push'] }],
        expiresAt,
        disabled: false,
      });
      expect(await s.robots.get('robot$team-a+ci')).toEqual(r);
      expect(await s.robots.get('robot$nope')).toBeUndefined();
      await expect(s.robots.create(robot('robot$team-a+ci', a.id))).rejects.toBeInstanceOf(ConflictError);
      const sys = await s.robots.create(
        robot('robot$sync', null, { permissions: [{ project: '*', actions: ['pull'] }] }),
      );
      await s.robots.create(robot('robot$team-a+a', a.id));
      expect((await s.robots.list(a.id)).map((x) => x.name)).toEqual(['robot$team-a+a', 'robot$team-a+ci']);
      expect(await s.robots.list(null)).toEqual([sys]);

      const upd = await s.robots.update('robot$team-a+ci', {
        description: null,
        permissions: [{ project: 'team-a', actions: ['pull'] }],
        secretHash: 'bmV3',
        secretSalt: 'czI=',
        expiresAt: null,
        disabled: true,
      });
      expect(upd).toEqual({
        ...r,
        description: null,
        permissions: [{ project: 'team-a', actions: ['pull'] }],
        secretHash: 'bmV3',
        secretSalt: 'czI=',
        expiresAt: null,
        disabled: true,
      });
      expect(await s.robots.update('robot$nope', { disabled: true })).toBeUndefined();
      expect(await s.robots.delete('robot$team-a+a')).toBe(true);
      expect(await s.robots.delete('robot$team-a+a')).toBe(false);

      await s.projects.delete('team-a');
      expect(await s.robots.get('robot$team-a+ci')).toBeUndefined();
      expect(await s.robots.get('robot$sync')).toEqual(sys);
    });

    it('refuses a robot of a project that does not exist', async () => {
      await expect(s.robots.create(robot('robot$ghost+ci', 4242))).rejects.toThrow();
    });

    it('keeps signing keys, newest first, retired ones included', async () => {
      const t = Date.UTC(2024, 0, 1);
      await s.signingKeys.add({ kid: 'k1', privateJwk: '{"a":1}', createdAt: new Date(t), retiredAt: null });
      await s.signingKeys.add({
        kid: 'k2',
        privateJwk: '{"a":2}',
        createdAt: new Date(t + 1000),
        retiredAt: null,
      });
      await expect(
        s.signingKeys.add({ kid: 'k1', privateJwk: '{}', createdAt: new Date(t), retiredAt: null }),
      ).rejects.toBeInstanceOf(ConflictError);
      await s.signingKeys.retire('k1', new Date(t + 2000));
      await s.signingKeys.retire('unknown', new Date(t + 2000));
      expect(await s.signingKeys.list()).toEqual([
        { kid: 'k2', privateJwk: '{"a":2}', createdAt: new Date(t + 1000), retiredAt: null },
        { kid: 'k1', privateJwk: '{"a":1}', createdAt: new Date(t), retiredAt: new Date(t + 2000) },
      ]);
    });

    it('stores large quotas and ids exactly', async () => {
      const p = await s.projects.create({ ...project('big'), quotaBytes: 2 ** 53 - 1, pullRatePerMinute: 1 });
      expect((await s.projects.get('big'))?.quotaBytes).toBe(2 ** 53 - 1);
      expect(typeof p.id).toBe('number');
    });
  });
}
