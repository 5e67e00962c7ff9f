import { describe, expect, it } from 'vitest';
import { checkPermissions, checkProjectName, checkUsername, robotName, robotProject } from './names.js';

describe('names', () => {
  it.each(['a', 'team-payments', 'a.b', 'a_b', 'a__b', 'a--b', 'x'.repeat(255)])(
    'project %s is valid',
    (n) => {
      expect(checkProjectName(n)).toBe(n);
    },
  );
  it.each(['', 'A', 'a/b', '.a', 'a.', 'a___b', 'a._b', 'x'.repeat(256), '*'])(
    'project %s is invalid',
    (n) => {
      expect(() => checkProjectName(n)).toThrow(/invalid project name/);
    },
  );
  it('usernames', () => {
    expect(checkUsername('alice.smith_2-x')).toBe('alice.smith_2-x');
    for (const bad of ['', '.a', 'Alice', 'robot$x', 'a b', 'x'.repeat(65), 'a+b'])
      expect(() => checkUsername(bad), bad).toThrow();
  });
  it('robot names round-trip their project', () => {
    expect(robotName('team-a', 'ci')).toBe('robot$team-a+ci');
    expect(robotName(undefined, 'sync')).toBe('robot$sync');
    expect(robotProject('robot$team-a+ci')).toBe('team-a');
    expect(robotProject('robot$sync')).toBeNull();
    expect(() => robotName('team-a', 'a+b')).toThrow();
    expect(() => robotName(undefined, 'a$b')).toThrow();
  });
  it('permissions are merged per project and ordered', () => {
    expect(
      checkPermissions(
        [
          { project: 'a', actions: ['list', 'pull'] },
          { project: 'a', actions: ['push', 'pull'] },
          { project: '*', actions: ['pull'] },
        ],
        undefined,
      ),
    ).toEqual([
      { project: 'a', actions: ['pull', 'push', 'list'] },
      { project: '*', actions: ['pull'] },
    ]);
  });
});
