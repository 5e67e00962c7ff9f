import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/commands/index.js';
import { ensureBuilt, runCli as runBinary } from '../helpers/child-server.js';
import { makeImage, writeOciLayout } from '../helpers/images.js';
import { ADMIN_AUTH, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

// A real Wharf server (the composition root: users and robots in SQLite, token auth on /v2, the
// management API), driven by the CLI over HTTP.
let server: TestServer;
let host: string;
let tmp: string;

beforeAll(async () => {
  server = await startTestServer({ auth: 'token' });
  host = new URL(server.url).host;
  tmp = await mkdtemp(join(tmpdir(), 'wharf-cli-manage-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** Runs the CLI in-process with a temp docker config and WHARF_REGISTRY naming the server. */
async function cli(argv: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const out = { code: 0, stdout: '', stderr: '' };
  out.code = await runCli(argv, {
    stdout: (s) => {
      out.stdout += s;
    },
    stderr: (s) => {
      out.stderr += s;
    },
    stdin: Readable.from([Buffer.from(opts.stdin ?? '')]),
    isTTY: false,
    env: opts.env ?? { DOCKER_CONFIG: join(tmp, 'docker'), HOME: tmp, WHARF_REGISTRY: host },
  });
  return out;
}

/** A verb that must succeed: its stdout. */
async function ok(argv: string[], stdin?: string): Promise<string> {
  const r = await cli(argv, stdin === undefined ? {} : { stdin });
  expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 0, stderr: '' });
  return r.stdout;
}

/** A verb that must fail: exit 1, nothing on stdout, one `wharf: …` line on stderr matching `line`. */
async function fails(argv: string[], line: RegExp, stdin?: string): Promise<void> {
  const r = await cli(argv, stdin === undefined ? {} : { stdin });
  expect({ argv, code: r.code, stdout: r.stdout }).toEqual({ argv, code: 1, stdout: '' });
  expect(r.stderr, argv.join(' ')).toMatch(/^wharf: [^\n]+\n$/);
  expect(r.stderr, argv.join(' ')).toMatch(line);
}

const lines = (out: string) => out.trimEnd().split('\n');
const json = async (argv: string[], stdin?: string) => JSON.parse(await ok([...argv, '--json'], stdin));

describe('wharf project|user|member|robot against a running server', () => {
  it('uses the credentials `wharf login` stored', async () => {
    await fails(['project', 'list'], /^wharf: list projects: authentication required \(HTTP 401\); log in/);
    expect(await ok(['login', host, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`)).toMatch(
      /^Login/,
    );
    expect(lines(await ok(['project', 'list']))).toEqual(['NAME  PUBLIC  QUOTA  PULL RATE  CREATED']);
  });

  it('creates, lists, shows, updates and deletes projects', async () => {
    const created = await ok(['project', 'create', 'team-x', '--quota', '10GiB', '--pull-rate', '100']);
    expect(created).toBe('Created project team-x\n');
    expect(await json(['project', 'create', 'pub', '--public'])).toMatchObject({ name: 'pub', public: true });
    const rows = lines(await ok(['project', 'list']));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^NAME\s+PUBLIC\s+QUOTA\s+PULL RATE\s+CREATED$/);
    expect(rows[1]).toMatch(/^pub\s+yes\s+unlimited\s+unlimited\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(rows[2]).toMatch(/^team-x\s+no\s+10\.0 GiB\s+100\/min\s+/);
    for (const col of ['PUBLIC', 'QUOTA', 'CREATED']) {
      const at = rows[0]?.indexOf(col) ?? -1;
      expect(
        rows.every((r) => r[at - 1] === ' ' && r[at] !== ' '),
        col,
      ).toBe(true);
    }
    expect((await json(['project', 'list'])).map((p: { name: string }) => p.name)).toEqual(['pub', 'team-x']);
    expect(lines(await ok(['project', 'show', 'team-x']))).toEqual([
      'Name:       team-x',
      'Public:     no',
      'Quota:      10.0 GiB',
      'Pull rate:  100/min',
      expect.stringMatching(/^Created: {4}\d{4}-/),
    ]);
    await ok(['project', 'update', 'team-x', '--public', '--quota', 'none', '--pull-rate', '500']);
    const shown = await json(['project', 'show', 'team-x', '-o', 'json']);
    expect(shown).toMatchObject({ public: true, quotaBytes: null, pullRatePerMinute: 500 });
    expect(await ok(['project', 'delete', 'pub'])).toBe('Deleted project pub\n');
    await fails(['project', 'show', 'pub'], /^wharf: show project pub: project not found \(HTTP 404\)\n$/);
    await fails(['project', 'delete', 'pub'], /^wharf: delete project pub: .*not found \(HTTP 404\)\n$/);
  });

  it('follows Link pagination; --limit stops early', async () => {
    const names = Array.from({ length: 105 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
    for (const name of names) {
      const res = await fetch(`${server.url}/api/v1/projects`, {
        method: 'POST',
        headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      expect(res.status).toBe(201);
    }
    const all = (await json(['project', 'list'])) as { name: string }[];
    expect(all.map((p) => p.name).filter((n) => n.startsWith('bulk-'))).toEqual(names);
    expect(await json(['project', 'list', '--limit', '3'])).toHaveLength(3);
    expect(lines(await ok(['project', 'list', '--name', 'bulk-10']))).toHaveLength(1 + 5);
    for (const name of names) await ok(['project', 'delete', name]);
  });

  it('creates, lists and deletes users; changes passwords', async () => {
    expect(await ok(['user', 'create', 'bob', '--password-stdin'], 'bob-password-1\n')).toBe(
      'Created user bob\n',
    );
    const carol = await json(
      ['user', 'create', 'carol', '--admin', '--email', 'c@x.io', '--password-stdin'],
      'carol-pw-1',
    );
    expect(carol).toMatchObject({ username: 'carol', admin: true, email: 'c@x.io' });
    expect(JSON.stringify(carol)).not.toContain('carol-pw-1');
    const rows = lines(await ok(['user', 'list']));
    expect(rows[0]).toMatch(/^USERNAME\s+ADMIN\s+DISABLED\s+EMAIL\s+CREATED$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(0, 4))).toEqual([
      ['admin', 'yes', 'no', '-'],
      ['bob', 'no', 'no', '-'],
      ['carol', 'yes', 'no', 'c@x.io'],
    ]);
    await fails(
      ['user', 'create', 'dave'],
      /^wharf: a password for dave is required: pipe it to --password-stdin\n$/,
    );
    await fails(
      ['user', 'create', 'bob', '--password-stdin'],
      /^wharf: create user bob: .*exists.* \(HTTP 409\)\n$/,
      'pw-12345678',
    );

    const asBob = (pw: string) => ['project', 'list', '-u', 'bob', '-p', pw];
    await ok(
      ['user', 'passwd', 'bob', '-u', 'bob', '-p', 'bob-password-1', '--password-stdin'],
      'bob-password-2',
    );
    await fails(
      asBob('bob-password-1'),
      /^wharf: list projects: invalid username or password \(HTTP 401\)\n$/,
    );
    await ok(asBob('bob-password-2'));
    await fails(
      ['project', 'create', 'bobs', '-u', 'bob', '-p', 'bob-password-2'],
      /^wharf: create project bobs: only system administrators may do this \(HTTP 403\)\n$/,
    );
    expect(await ok(['user', 'delete', 'carol'])).toBe('Deleted user carol\n');
    await fails(['user', 'show', 'carol'], /^wharf: show user carol: .*not found \(HTTP 404\)\n$/);
  });

  it('adds, lists and removes members', async () => {
    expect(await ok(['member', 'add', 'team-x', 'bob', '--role', 'developer'])).toBe(
      'bob is developer of project team-x\n',
    );
    expect(lines(await ok(['member', 'list', 'team-x']))).toEqual(['USERNAME  ROLE', 'bob       developer']);
    await ok(['member', 'add', 'team-x', 'bob', '--role', 'maintainer']);
    expect(await json(['member', 'list', 'team-x'])).toEqual([{ username: 'bob', role: 'maintainer' }]);
    await fails(
      ['member', 'add', 'team-x', 'bob', '--role', 'owner'],
      /^wharf: unknown role "owner" \(use projectAdmin, /,
    );
    await fails(
      ['member', 'add', 'team-x', 'nobody', '--role', 'guest'],
      /^wharf: add nobody to project team-x: .*not found \(HTTP 404\)\n$/,
    );
    expect(await ok(['member', 'remove', 'team-x', 'bob'])).toBe('Removed bob from project team-x\n');
    expect(lines(await ok(['member', 'list', 'team-x']))).toEqual(['USERNAME  ROLE']);
  });

  it('creates robots (secret printed once, then pushed with), rotates, disables and deletes them', async () => {
    const out = await ok([
      'robot',
      'create',
      'ci',
      '--project',
      'team-x',
      '--permission',
      'pull,push',
      '--expires',
      '30d',
    ]);
    const secret = /^Secret: (\S+)$/m.exec(out)?.[1] ?? '';
    expect(out).toBe(
      `Created robot robot$team-x+ci\nSecret: ${secret}\nStore the secret now: it is not shown again.\n`,
    );
    await ok(['project', 'update', 'team-x', '--private']); // so that pulls need the robot's login
    const layout = join(tmp, 'layout');
    await writeOciLayout(layout, [{ tag: 'v1', artifact: makeImage({ layers: 1 }) }]);
    const repo = `${host}/team-x/app`;
    await ok(['copy', `oci:${layout}:v1`, `${repo}:v1`, '--dest-creds', `robot$team-x+ci:${secret}`]);
    const tagsAs = (s: string) => ['tags', repo, '--creds', `robot$team-x+ci:${s}`];
    expect(await ok(tagsAs(secret))).toBe('v1\n');

    const listed = await ok(['robot', 'list', '--project', 'team-x']);
    expect(listed).not.toContain(secret);
    expect(lines(listed)[1]).toMatch(/^robot\$team-x\+ci\s+team-x:pull,push\s+\d{4}-\d\d-\d\d \S+\s+no\s+-$/);
    const shown = await json(['robot', 'show', 'ci', '--project', 'team-x']);
    expect(shown).not.toHaveProperty('secret');
    expect(Date.parse(shown.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const rotated = await json(['robot', 'rotate', 'robot$team-x+ci']);
    expect(rotated.secret).not.toBe(secret);
    await fails(tagsAs(secret), /HTTP 401/);
    expect(await ok(tagsAs(rotated.secret))).toBe('v1\n');
    const apiAs = (s: string) => ['project', 'show', 'team-x', '-u', 'robot$team-x+ci', '-p', s];
    await fails(apiAs(secret), /^wharf: show project team-x: invalid username or password \(HTTP 401\)\n$/);
    await ok(apiAs(rotated.secret));

    expect(await ok(['robot', 'disable', 'ci', '--project', 'team-x'])).toBe(
      'Disabled robot robot$team-x+ci\n',
    );
    await fails(apiAs(rotated.secret), /HTTP 401/);
    await ok(['robot', 'enable', 'robot$team-x+ci']);
    await ok(apiAs(rotated.secret));

    const sys = await json([
      'robot',
      'create',
      'mirror',
      '--permission',
      'team-x:pull',
      '--permission',
      '*:pull,list',
    ]);
    expect(sys).toMatchObject({ name: 'robot$mirror', project: null, expiresAt: null });
    expect(sys.permissions).toEqual([
      { project: 'team-x', actions: ['pull'] },
      { project: '*', actions: ['pull', 'list'] },
    ]);
    expect(lines(await ok(['robot', 'list'])).map((r) => r.split(/\s+/)[0])).toEqual([
      'NAME',
      'robot$mirror',
    ]);
    expect(await ok(['robot', 'delete', 'ci', '--project', 'team-x'])).toBe(
      'Deleted robot robot$team-x+ci\n',
    );
    await ok(['robot', 'delete', 'robot$mirror']);
    await fails(apiAs(rotated.secret), /HTTP 401/);
    expect(lines(await ok(['robot', 'list', '--project', 'team-x']))).toHaveLength(1);
    await fails(
      ['robot', 'rotate', 'robot$gone'],
      /^wharf: rotate robot robot\$gone: .*not found \(HTTP 404\)\n$/,
    );
  });

  it('reports every failure in one line with exit code 1', async () => {
    const robot = ['robot', 'create', 'r', '--project', 'team-x'];
    const cases: [string[], RegExp][] = [
      [['project', 'show', 'team-nope'], /^wharf: show project team-nope: project not found \(HTTP 404\)\n$/],
      [
        ['project', 'list', '-u', 'admin', '-p', 'wrong'],
        /^wharf: list projects: invalid username or password \(HTTP 401\)\n$/,
      ],
      [
        ['project', 'list', '--registry', '127.0.0.1:1'],
        /^wharf: list projects: cannot reach 127\.0\.0\.1:1: ECONNREFUSED\n$/,
      ],
      [
        ['project', 'create', 'x', '--quota', 'lots'],
        /^wharf: --quota must be a size like 10GiB.*\(got "lots"\)\n$/,
      ],
      [['project', 'create', 'x', '--pull-rate', '0'], /^wharf: --pull-rate must be a positive integer/],
      [['project', 'list', '--limit', '-3'], /^wharf: --limit must be a positive integer/],
      [['project', 'list', '-o', 'yaml'], /^wharf: unknown output format "yaml"/],
      [['project', 'update', 'team-x'], /^wharf: nothing to change/],
      [['project', 'create', 'Bad_Name'], /^wharf: create project Bad_Name: .*name.* \(HTTP 400\)\n$/],
      [
        [...robot, '--permission', 'pul'],
        /^wharf: --permission "pul": actions are pull, push, delete, list\n$/,
      ],
      [['robot', 'create', 'r', '--permission', 'pull'], /^wharf: --permission "pull": name the project/],
      [robot, /^wharf: --permission is required/],
      [[...robot, '--permission', 'pull', '--expires', 'soon'], /^wharf: --expires must be a span/],
      [['project', 'list', '-u', 'admin'], /^wharf: -u admin needs -p PASSWORD or --password-stdin\n$/],
      [['project', 'list', '-p', 'x'], /^wharf: a password needs -u USER\n$/],
    ];
    for (const [argv, line] of cases) await fails(argv, line);
    const noServer = await cli(['project', 'list'], { env: { HOME: tmp } });
    expect(noServer).toEqual({
      code: 1,
      stdout: '',
      stderr: 'wharf: no server given: pass --registry HOST[:PORT] or set WHARF_REGISTRY\n',
    });
    const explicit = ['project', 'list', '--registry', `http://${host}`, '-u', 'admin', '--password-stdin'];
    const r = await cli(explicit, { stdin: ADMIN_PASSWORD, env: { HOME: tmp } });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await cli(['project', 'list', '--help'])).stdout).toContain('$WHARF_REGISTRY');
  });

  it('exits 0 and 1 as a real process (node dist/cli/main.js)', async () => {
    await ensureBuilt();
    const as = (pw: string) => ['--registry', host, '-u', 'admin', '-p', pw];
    const env = { HOME: tmp };
    const listed = await runBinary(['project', 'list', ...as(ADMIN_PASSWORD)], { env });
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/^NAME\s+PUBLIC[^\n]*\nteam-x\s+no/);
    expect(await runBinary(['project', 'list', ...as('wrong')], { env })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'wharf: list projects: invalid username or password (HTTP 401)\n',
    });
    expect(await runBinary(['project', 'show', 'nope', ...as(ADMIN_PASSWORD)], { env })).toMatchObject({
      code: 1,
      stderr: 'wharf: show project nope: project not found (HTTP 404)\n',
    });
  });
});
