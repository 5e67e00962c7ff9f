import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChildServer, ensureBuilt, runCli, sleep } from '../helpers/child-server.js';

let work: string;
const servers: ChildServer[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wharf-e2e-cli-'));
  await ensureBuilt();
}, 120_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGKILL')));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function dir(name: string): Promise<string> {
  const d = join(work, name);
  await mkdir(d, { recursive: true });
  return d;
}

/** Exits non-zero with exactly one line on stderr that matches `pattern`, and no stack trace. */
function expectOneLineFailure(
  r: { code: number | null; stderr: string; signal: NodeJS.Signals | null },
  pattern: RegExp,
) {
  expect(r.signal).toBeNull();
  expect(r.code, r.stderr).not.toBe(0);
  // Node's own process warnings (e.g. a dependency's deprecation notice) are not the CLI's message.
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !/^\(node:\d+\) |^\(Use `node --trace-/.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/\.(ts|js):\d+/);
}

describe('wharf serve: refusing a bad configuration', () => {
  it.each([
    ['a malformed --listen', ['--listen', 'nonsense'], /^wharf: .*listen.*nonsense/],
    ['an unknown --auth mode', ['--auth', 'maybe'], /^wharf: .*auth/],
    ['a missing --config file', ['--config', '/nonexistent/wharf.yaml'], /^wharf: cannot read config file/],
    ['an unknown flag', ['--bogus'], /unknown option '--bogus'/],
  ])('%s', async (_name, args, pattern) => {
    const cwd = await dir(`bad-${_name.replace(/\W+/g, '-')}`);
    const r = await runCli(['serve', '--data', join(cwd, 'data'), ...args], { cwd });
    expectOneLineFailure(r, pattern);
  });

  it.each([
    ['an unknown key', 'version: 1\nlisen: 127.0.0.1:5000\n', /^wharf: .*'lisen'/],
    ['a wrong type', 'version: 1\nuploads:\n  ttlSeconds: soon\n', /^wharf: .*uploads\.ttlSeconds/],
  ])('a config file with %s', async (name, text, pattern) => {
    const cwd = await dir(`yaml-${name.replace(/\W+/g, '-')}`);
    const file = join(cwd, 'wharf.yaml');
    await writeFile(file, text);
    const r = await runCli(['serve', '--config', file, '--data', join(cwd, 'data')], { cwd });
    expectOneLineFailure(r, pattern);
  });

  it('a config file with invalid YAML', async () => {
    const cwd = await dir('yaml-invalid');
    const file = join(cwd, 'wharf.yaml');
    await writeFile(file, 'version: [1\n');
    const r = await runCli(['serve', '--config', file, '--data', join(cwd, 'data')], { cwd });
    expectOneLineFailure(r, /^wharf: .*not valid YAML/);
  });

  it('a port already in use', async () => {
    const cwd = await dir('port-in-use');
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const address = blocker.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const r = await runCli(
        [
          'serve',
          '--listen',
          `127.0.0.1:${port}`,
          '--auth',
          'none',
          '--log-level',
          'silent',
          '--data',
          join(cwd, 'data'),
        ],
        { cwd },
      );
      expectOneLineFailure(r, /^wharf: .*EADDRINUSE/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('wharf serve --auth basic without WHARF_ADMIN_PASSWORD', () => {
  const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

  async function status(url: string, auth?: string): Promise<number> {
    const r = await fetch(`${url}/v2/`, auth ? { headers: { authorization: auth } } : {});
    await r.arrayBuffer();
    return r.status;
  }

  it('prints a generated admin password on first start only, and it keeps working', async () => {
    const dataDir = join(await dir('generated'), 'data');
    const first = await ChildServer.start({ dataDir, auth: 'basic' });
    servers.push(first);
    let match: RegExpExecArray | null = null;
    for (let i = 0; i < 40 && !match; i++) {
      match = /generated admin password \(shown once\): (\S+)/.exec(first.stderr);
      if (!match) await sleep(50);
    }
    const password = match?.[1];
    if (!password) throw new Error(`no generated password on stderr:\n${first.stderr}`);
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(first.stderr.split(password)).toHaveLength(2); // printed exactly once
    expect(first.stdout).not.toContain(password);

    expect(await status(first.url)).toBe(401);
    expect(await status(first.url, basic('wrong'))).toBe(401);
    expect(await status(first.url, basic(password))).toBe(200);
    // Only a hash is kept in the data dir.
    for (const name of await readdir(dataDir, { recursive: true })) {
      const path = join(dataDir, name);
      const text = await readFile(path).then(
        (b) => b.toString('latin1'),
        () => '',
      );
      expect(text, path).not.toContain(password);
    }

    const second = await first.restart('SIGTERM');
    servers.push(second);
    expect(await first.exited).toEqual({ code: 0, signal: null });
    await sleep(200); // anything written before listening has reached us
    expect(second.stderr).not.toMatch(/password/i);
    expect(second.stderr).not.toContain(password);
    expect(await status(second.url, basic(password))).toBe(200);
    expect(await status(second.url, basic('wrong'))).toBe(401);
  });

  it('prints nothing when WHARF_ADMIN_PASSWORD is set, and uses it', async () => {
    const dataDir = join(await dir('configured'), 'data');
    const s = await ChildServer.start({
      dataDir,
      auth: 'basic',
      env: { WHARF_ADMIN_PASSWORD: 'configured-pw-123' },
    });
    servers.push(s);
    await sleep(200);
    expect(s.stderr).not.toMatch(/password/i);
    expect(await status(s.url, basic('configured-pw-123'))).toBe(200);
    expect(await status(s.url)).toBe(401);
  });
});
