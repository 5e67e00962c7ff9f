import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, publicKeyPem } from '../../src/supplychain/index.js';
import { startReceiver, until } from '../events/receiver.js';
import { ensureBuilt, runCli as runBinary } from '../helpers/child-server.js';
import { runCliCaptured, succeeded } from '../helpers/cli.js';
import { makeImage, writeOciLayout } from '../helpers/images.js';
import { ADMIN_AUTH, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

// A real Wharf server (the composition root: users and robots in SQLite, token auth on /v2, the
// management API with audit and webhooks), driven by the CLI over HTTP.
let server: TestServer;
let host: string;
let tmp: string;

beforeAll(async () => {
  server = await startTestServer({ auth: 'token' });
  host = new URL(server.url).host;
  tmp = await mkdtemp(join(tmpdir(), 'wharf-cli-manage-'));
  await writeOciLayout(join(tmp, 'layout'), [{ tag: 'v1', artifact: makeImage({ layers: 1 }) }]);
});
afterAll(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** `argv` as an array, or a string split at spaces. */
type Argv = string | string[];
const args = (a: Argv) => (typeof a === 'string' ? a.split(' ') : a);

/** Runs the CLI in-process with a temp docker config and WHARF_REGISTRY naming the server. */
async function cli(argv: Argv, opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  return runCliCaptured(args(argv), {
    stdin: opts.stdin ?? '',
    env: opts.env ?? { DOCKER_CONFIG: join(tmp, 'docker'), HOME: tmp, WHARF_REGISTRY: host },
  });
}

/** A verb that must succeed: its stdout. */
async function ok(argv: Argv, stdin?: string): Promise<string> {
  return succeeded(argv, await cli(argv, stdin === undefined ? {} : { stdin }));
}

/** A verb that must fail: exit 1, nothing on stdout, one line `wharf: …` on stderr, `…` matching `line`. */
async function fails(argv: Argv, line: RegExp, stdin?: string): Promise<void> {
  const r = await cli(argv, stdin === undefined ? {} : { stdin });
  expect({ argv, code: r.code, stdout: r.stdout }).toEqual({ argv, code: 1, stdout: '' });
  expect(r.stderr, String(argv)).toMatch(/^wharf: [^\n]+\n$/);
  expect(r.stderr.slice('wharf: '.length, -1), String(argv)).toMatch(line);
}

const lines = async (argv: Argv) => (await ok(argv)).trimEnd().split('\n');
const json = async (argv: Argv, stdin?: string) => JSON.parse(await ok([...args(argv), '--json'], stdin));
const ONCE = 'Store the secret now: it is not shown again.';

describe('wharf project|user|member|robot|audit|webhook against a running server', () => {
  it('uses the credentials `wharf login` stored', async () => {
    await fails(
      'project list',
      new RegExp(
        `^list projects: authentication required \\(HTTP 401\\); log in with \`wharf login ${host}\``,
      ),
    );
    expect(await ok(`login ${host} -u admin --password-stdin`, `${ADMIN_PASSWORD}\n`)).toMatch(/^Login/);
    expect(await lines('project list')).toEqual(['NAME  PUBLIC  QUOTA  PULL RATE  CREATED']);
  });

  it('creates, lists, shows, updates and deletes projects', async () => {
    expect(await ok('project create team-x --quota 10GiB --pull-rate 100')).toBe('Created project team-x\n');
    expect(await json('project create pub --public')).toMatchObject({ name: 'pub', public: true });
    const rows = await lines('project list');
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
    expect((await json('project list')).map((p: { name: string }) => p.name)).toEqual(['pub', 'team-x']);
    expect(await lines('project show team-x')).toEqual([
      'Name:             team-x',
      'Public:           no',
      'Quota:            10.0 GiB',
      'Pull rate:        100/min',
      expect.stringMatching(/^Created: {10}\d{4}-/),
      'Signed only:      no',
      'Trusted keys:     0',
      'Provenance tags:  none',
      'Proxy of:         none',
    ]);
    await ok('project update team-x --public --quota none --pull-rate 500');
    const shown = await json('project show team-x -o json');
    expect(shown).toMatchObject({ public: true, quotaBytes: null, pullRatePerMinute: 500 });
  });

  it('sets and clears the supply-chain rules and the proxy setting of a project', async () => {
    await ok('project create rules');
    const keyFile = join(tmp, 'cosign.pub');
    const pem = publicKeyPem(generateKeyPair().publicKey);
    await writeFile(keyFile, pem);
    await ok(`project update rules --require-signed --trusted-key ${keyFile} --provenance-tags v*`);
    expect((await json('project show rules')).supplyChain).toEqual({
      requireSigned: true,
      trustedKeys: [pem],
      provenanceTagPattern: 'v*',
    });
    expect(await lines('project show rules')).toEqual(
      expect.arrayContaining(['Signed only:      yes', 'Trusted keys:     1', 'Provenance tags:  v*']),
    );
    await ok('project update rules --allow-unsigned --trusted-key none --provenance-tags none');
    expect((await json('project show rules')).supplyChain).toEqual({
      requireSigned: false,
      trustedKeys: [],
      provenanceTagPattern: null,
    });
    await fails(
      `project update rules --trusted-key ${join(tmp, 'absent.pub')}`,
      /^--trusted-key .*absent\.pub: ENOENT$/,
    );
    await fails('project update rules --require-signed --allow-unsigned', /mutually exclusive/);

    await ok('project create mirror');
    await ok(
      'project update mirror --proxy http://127.0.0.1:9 --proxy-prefix library --proxy-username bot --proxy-password-stdin',
      'upstream-secret',
    );
    const mirror = await json('project show mirror');
    expect(mirror.proxy).toEqual({
      upstream: 'http://127.0.0.1:9',
      repositoryPrefix: 'library',
      credentials: { username: 'bot' },
    });
    expect(JSON.stringify(mirror)).not.toContain('upstream-secret');
    expect(await lines('project show mirror')).toContain('Proxy of:         http://127.0.0.1:9/library');
    await fails('project update mirror --proxy-prefix x', /need --proxy$/);
    await ok('project update mirror --proxy none');
    expect((await json('project show mirror')).proxy).toBeNull();
    for (const name of ['rules', 'mirror']) await ok(`project delete ${name}`);
    expect(await ok('project delete pub')).toBe('Deleted project pub\n');
    await fails('project show pub', /^show project pub: project not found \(HTTP 404\)$/);
    await fails('project delete pub', /^delete project pub: .*not found \(HTTP 404\)$/);
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
    const all = (await json('project list')) as { name: string }[];
    expect(all.map((p) => p.name).filter((n) => n.startsWith('bulk-'))).toEqual(names);
    expect(await json('project list --limit 3')).toHaveLength(3);
    expect(await lines('project list --name bulk-10')).toHaveLength(1 + 5);
    for (const name of names) await ok(`project delete ${name}`);
  });

  it('creates, lists and deletes users; changes passwords', async () => {
    expect(await ok('user create bob --password-stdin', 'bob-password-1\n')).toBe('Created user bob\n');
    const carol = await json('user create carol --admin --email c@x.io --password-stdin', 'carol-pw-1');
    expect(carol).toMatchObject({ username: 'carol', admin: true, email: 'c@x.io' });
    expect(JSON.stringify(carol)).not.toContain('carol-pw-1');
    const rows = await lines('user list');
    expect(rows[0]).toMatch(/^USERNAME\s+ADMIN\s+DISABLED\s+EMAIL\s+CREATED$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(0, 4))).toEqual([
      ['admin', 'yes', 'no', '-'],
      ['bob', 'no', 'no', '-'],
      ['carol', 'yes', 'no', 'c@x.io'],
    ]);
    await fails('user create dave', /^a password for dave is required: pipe it to --password-stdin$/);
    const exists = /^create user bob: .*exists.* \(HTTP 409\)$/;
    await fails('user create bob --password-stdin', exists, 'pw-12345678');

    await ok('user passwd bob -u bob -p bob-password-1 --password-stdin', 'bob-password-2');
    const refused = /^list projects: invalid username or password \(HTTP 401\)$/;
    await fails('project list -u bob -p bob-password-1', refused);
    await ok('project list -u bob -p bob-password-2');
    const notAdmin = /^create project bobs: only system administrators may do this \(HTTP 403\)$/;
    await fails('project create bobs -u bob -p bob-password-2', notAdmin);
    // update: the admin flag, disabling (credentials stop working at once), e-mail.
    expect(await json('user update bob --admin --email b@x.io')).toMatchObject({
      admin: true,
      email: 'b@x.io',
    });
    await ok('project create bobs -u bob -p bob-password-2');
    await ok('project delete bobs');
    expect(await ok('user update bob --no-admin --disable')).toBe('Updated user bob\n');
    await fails('project list -u bob -p bob-password-2', refused);
    await ok('user update bob --enable');
    await ok('project list -u bob -p bob-password-2');
    await fails(
      'user update bob',
      /^nothing to change: give --admin, --no-admin, --disable, --enable or --email$/,
    );
    expect(await ok('user delete carol')).toBe('Deleted user carol\n');
    await fails('user show carol', /^show user carol: .*not found \(HTTP 404\)$/);
  });

  it('adds, lists and removes members', async () => {
    expect(await ok('member add team-x bob --role developer')).toBe('bob is developer of project team-x\n');
    expect(await lines('member list team-x')).toEqual(['USERNAME  ROLE', 'bob       developer']);
    await ok('member add team-x bob --role maintainer');
    expect(await json('member list team-x')).toEqual([{ username: 'bob', role: 'maintainer' }]);
    await fails('member add team-x bob --role owner', /^unknown role "owner" \(use projectAdmin, /);
    const noUser = /^add nobody to project team-x: .*not found \(HTTP 404\)$/;
    await fails('member add team-x nobody --role guest', noUser);
    expect(await ok('member remove team-x bob')).toBe('Removed bob from project team-x\n');
    expect(await lines('member list team-x')).toEqual(['USERNAME  ROLE']);
  });

  it('creates robots (secret printed once, then pushed with), rotates, disables and deletes them', async () => {
    const out = await ok('robot create ci --project team-x --permission pull,push --expires 30d');
    const secret = /^Secret: (\S+)$/m.exec(out)?.[1] ?? '';
    expect(out).toBe(`Created robot robot$team-x+ci\nSecret: ${secret}\n${ONCE}\n`);
    await ok('project update team-x --private'); // so that reading tags needs the robot's login
    const repo = `${host}/team-x/app`;
    await ok([
      'copy',
      `oci:${join(tmp, 'layout')}:v1`,
      `${repo}:v1`,
      '--dest-creds',
      `robot$team-x+ci:${secret}`,
    ]);
    const tagsAs = (s: string) => ['tags', repo, '--creds', `robot$team-x+ci:${s}`];
    expect(await ok(tagsAs(secret))).toBe('v1\n');

    const listed = await lines('robot list --project team-x');
    expect(listed.join('\n')).not.toContain(secret);
    expect(listed[1]).toMatch(/^robot\$team-x\+ci\s+team-x:pull,push\s+\d{4}-\d\d-\d\d \S+\s+no\s+-$/);
    const shown = await json('robot show ci --project team-x');
    expect(shown).not.toHaveProperty('secret');
    expect(Date.parse(shown.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const rotated = await json('robot rotate robot$team-x+ci');
    expect(rotated.secret).not.toBe(secret);
    await fails(tagsAs(secret), /HTTP 401/);
    expect(await ok(tagsAs(rotated.secret))).toBe('v1\n');
    const apiAs = (s: string) => `project show team-x -u robot$team-x+ci -p ${s}`;
    await fails(apiAs(secret), /^show project team-x: invalid username or password \(HTTP 401\)$/);
    await ok(apiAs(rotated.secret));
    expect(await ok('robot disable ci --project team-x')).toBe('Disabled robot robot$team-x+ci\n');
    await fails(apiAs(rotated.secret), /HTTP 401/);
    await ok('robot enable robot$team-x+ci');
    await ok(apiAs(rotated.secret));

    const sys = await json('robot create mirror --permission team-x:pull --permission *:pull,list');
    expect(sys).toMatchObject({ name: 'robot$mirror', project: null, expiresAt: null });
    expect(sys.permissions).toEqual([
      { project: 'team-x', actions: ['pull'] },
      { project: '*', actions: ['pull', 'list'] },
    ]);
    expect((await lines('robot list')).map((r) => r.split(/\s+/)[0])).toEqual(['NAME', 'robot$mirror']);
    expect(await ok('robot delete ci --project team-x')).toBe('Deleted robot robot$team-x+ci\n');
    await ok('robot delete robot$mirror');
    await fails(apiAs(rotated.secret), /HTTP 401/);
    expect(await lines('robot list --project team-x')).toHaveLength(1);
    await fails('robot rotate robot$gone', /^rotate robot robot\$gone: .*not found \(HTTP 404\)$/);
  });

  it('creates, lists, updates and deletes webhooks and shows their deliveries', async () => {
    const receiver = await startReceiver();
    try {
      const out = await ok(`webhook create team-x --url ${receiver.url} --event PUSH_ARTIFACT`);
      const [, id, secret] = /^Created webhook (\d+) on project team-x\nSecret: (\S+)\n/.exec(out) ?? [];
      expect(out).toBe(`Created webhook ${id} on project team-x\nSecret: ${secret}\n${ONCE}\n`);
      const listed = await lines('webhook list team-x');
      expect(listed[0]).toMatch(/^ID\s+URL\s+EVENTS\s+FORMAT\s+ENABLED\s+CREATED$/);
      expect(listed[1]).toMatch(new RegExp(`^${id}\\s+${receiver.url}\\s+PUSH_ARTIFACT\\s+harbor\\s+yes\\s`));
      expect(listed.join('\n')).not.toContain(secret);

      await ok(['copy', `oci:${join(tmp, 'layout')}:v1`, `${host}/team-x/app:v2`]);
      const [delivery] = await until(async () => {
        const all = (await json(`webhook deliveries team-x ${id}`)) as { status: string }[];
        return all.some((d) => d.status === 'success') && all;
      });
      expect(delivery).toMatchObject({ status: 'success', responseStatus: 200, attempt: 1 });
      expect(receiver.received.length).toBeGreaterThan(0);
      expect((await lines(`webhook deliveries team-x ${id}`))[1]).toMatch(/\ssuccess\s+200\s/);
      await ok(`webhook update team-x ${id} --disable --event PUSH_ARTIFACT,DELETE_ARTIFACT`);
      expect(await json(`webhook show team-x ${id}`)).toMatchObject({
        enabled: false,
        eventTypes: ['PUSH_ARTIFACT', 'DELETE_ARTIFACT'],
      });
      expect(await ok(`webhook delete team-x ${id}`)).toBe(`Deleted webhook ${id} of project team-x\n`);
      expect(await lines('webhook list team-x')).toHaveLength(1);
      const gone = /^show webhook \d+ of project team-x: webhook not found \(HTTP 404\)$/;
      await fails(`webhook show team-x ${id}`, gone);
      await fails(`webhook create team-x --url ${receiver.url} --format xml`, /^--format must be harbor/);
    } finally {
      await receiver.close();
    }
  });

  it('shows the audit log, filtered', async () => {
    const pushes = (await json('audit --project team-x --type PUSH_ARTIFACT --since 1h')) as {
      actor: { name: string };
      repository: string;
      tag: string | null;
    }[];
    expect(pushes.map((e) => [e.actor.name, e.repository, e.tag])).toEqual([
      ['admin', 'team-x/app', 'v2'],
      ['robot$team-x+ci', 'team-x/app', 'v1'],
    ]);
    const table = await lines('audit --actor admin --type PUSH_ARTIFACT --limit 1');
    expect(table).toHaveLength(2);
    expect(table[0]).toMatch(/^TIME\s+TYPE\s+ACTOR\s+REPOSITORY\s+REF\s+OUTCOME\s+CLIENT$/);
    expect(table[1]).toMatch(
      /^\d{4}-\d\d-\d\d \S+\s+PUSH_ARTIFACT\s+admin\s+team-x\/app\s+v2\s+success\s+\S+$/,
    );
    await fails('audit --type BOGUS', /^read the audit log: unknown event types: BOGUS \(HTTP 400\)$/);
    await fails('audit --until later', /^--until must be a span/);
    await fails('audit -u bob -p bob-password-2', /^read the audit log: .* \(HTTP 403\)$/);
  });

  it('reports every failure in one line with exit code 1', async () => {
    const robot = 'robot create r --project team-x';
    const cases: [string, RegExp][] = [
      ['project show team-nope', /^show project team-nope: project not found \(HTTP 404\)$/],
      ['project list -u admin -p wrong', /^list projects: invalid username or password \(HTTP 401\)$/],
      ['project list --registry 127.0.0.1:1', /^list projects: cannot reach 127\.0\.0\.1:1: ECONNREFUSED$/],
      ['project create x --quota lots', /^--quota must be a size like 10GiB.*\(got "lots"\)$/],
      ['project create x --pull-rate 0', /^--pull-rate must be a positive integer/],
      ['project list --limit -3', /^--limit must be a positive integer/],
      ['project list -o yaml', /^unknown output format "yaml"/],
      ['project update team-x', /^nothing to change/],
      ['project create Bad_Name', /^create project Bad_Name: .*name.* \(HTTP 400\)$/],
      [`${robot} --permission pul`, /^--permission "pul": actions are pull, push, delete, list$/],
      ['robot create r --permission pull', /^--permission "pull": name the project/],
      [robot, /^--permission is required/],
      [`${robot} --permission pull --expires soon`, /^--expires must be a span/],
      ['project list -u admin', /^-u admin needs -p PASSWORD or --password-stdin$/],
      ['project list -p x', /^a password needs -u USER$/],
    ];
    for (const [argv, line] of cases) await fails(argv, line);
    expect(await cli('project list', { env: { HOME: tmp } })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'wharf: no server given: pass --registry HOST[:PORT] or set WHARF_REGISTRY\n',
    });
    const explicit = `project list --registry http://${host} -u admin --password-stdin`;
    expect(await cli(explicit, { stdin: ADMIN_PASSWORD, env: { HOME: tmp } })).toMatchObject({
      code: 0,
      stderr: '',
    });
    expect((await cli('project list --help')).stdout).toContain('$WHARF_REGISTRY');
  });

  it('exits 0 and 1 as a real process (node dist/cli/main.js)', async () => {
    await ensureBuilt();
    const run = (argv: string, pw: string) =>
      runBinary([...args(argv), '--registry', host, '-u', 'admin', '-p', pw], { env: { HOME: tmp } });
    const listed = await run('project list', ADMIN_PASSWORD);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/^NAME\s+PUBLIC[^\n]*\nteam-x\s+no/);
    expect(await run('project list', 'wrong')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'wharf: list projects: invalid username or password (HTTP 401)\n',
    });
    expect(await run('project show nope', ADMIN_PASSWORD)).toMatchObject({
      code: 1,
      stderr: 'wharf: show project nope: project not found (HTTP 404)\n',
    });
  });
});
