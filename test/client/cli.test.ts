import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { type DockerRegistry, startDockerRegistry } from '../helpers/docker-registry.js';
import { makeImage, makeMultiPlatformIndex, writeOciLayout } from '../helpers/images.js';

let reg: DockerRegistry;
let secured: DockerRegistry;
let tmp: string;

beforeAll(async () => {
  [reg, secured] = await Promise.all([
    startDockerRegistry(),
    startDockerRegistry({ htpasswd: { user: 'alice', password: 's3cret' } }),
  ]);
  tmp = await mkdtemp(join(tmpdir(), 'wharf-cli-'));
});
afterAll(async () => {
  await Promise.all([reg?.stop(), secured?.stop()]);
  await rm(tmp, { recursive: true, force: true });
});

async function cli(argv: string[], stdin = '') {
  return runCliCaptured(argv, { stdin, env: { DOCKER_CONFIG: join(tmp, 'docker'), HOME: tmp } });
}

describe('wharf client verbs', () => {
  it('copy, inspect, tags and delete against a registry', async () => {
    const index = makeMultiPlatformIndex({ layers: 2, size: 2048 });
    const image = makeImage({ layers: 3 });
    const dir = join(tmp, 'layout');
    await writeOciLayout(dir, [
      { tag: 'multi', artifact: index },
      { tag: 'single', artifact: image },
    ]);
    const up = await cli(['copy', '--json', `oci:${dir}:multi`, `docker://${reg.host}/cli/app:multi`]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ digest: index.manifest.descriptor.digest, manifests: 3 });
    const up2 = await cli(['copy', `oci:${dir}:single`, `${reg.host}/cli/app:single`]);
    expect(up2.code).toBe(0);
    expect(up2.stdout).toContain(`Digest: ${image.manifest.descriptor.digest}`);

    const text = await cli(['inspect', `${reg.host}/cli/app:multi`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Digest:     ${index.manifest.descriptor.digest}`);
    expect(text.stdout).toMatch(/linux\/arm64\/v8/);
    const json = JSON.parse((await cli(['inspect', '-o', 'json', `${reg.host}/cli/app:single`])).stdout);
    expect(json).toMatchObject({ digest: image.manifest.descriptor.digest, platform: 'linux/amd64' });
    expect(json.layers).toHaveLength(3);
    const raw = await cli(['inspect', '--raw', `docker://${reg.host}/cli/app:single`]);
    expect(Buffer.from(raw.stdout).equals(image.manifest.bytes)).toBe(true);
    const fromLayout = JSON.parse((await cli(['inspect', '--json', `oci:${dir}:multi`])).stdout);
    expect(fromLayout.platforms.map((p: { platform: string }) => p.platform)).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
    ]);

    const tags = await cli(['tags', `${reg.host}/cli/app`, '--page-size', '1']);
    expect(tags.stdout.split('\n').filter(Boolean).sort()).toEqual(['multi', 'single']);
    expect(JSON.parse((await cli(['tags', '--json', `oci:${dir}`])).stdout).tags).toEqual([
      'multi',
      'single',
    ]);

    const del = await cli(['delete', `${reg.host}/cli/app:single`]);
    expect(del.code).toBe(0);
    expect(del.stdout).toContain(image.manifest.descriptor.digest);
    const gone = await cli(['inspect', `${reg.host}/cli/app@${image.manifest.descriptor.digest}`]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^wharf: .*HTTP 404.*\n$/);
  });

  it('copies registry → layout and back out', async () => {
    const image = makeImage({ layers: 2 });
    const dir = join(tmp, 'roundtrip');
    await writeOciLayout(dir, [{ tag: 'v1', artifact: image }]);
    expect((await cli(['copy', `oci:${dir}:v1`, `${reg.host}/rt:v1`])).code).toBe(0);
    const down = await cli(['copy', `${reg.host}/rt:v1`, `oci:${join(tmp, 'rt-out')}:copy`]);
    expect(down.code).toBe(0);
    const manifest = await readFile(
      join(tmp, 'rt-out', 'blobs', 'sha256', image.manifest.descriptor.digest.slice(7)),
    );
    expect(manifest.equals(image.manifest.bytes)).toBe(true);
  });

  it('logs in, stores credentials and uses them', async () => {
    const bad = await cli(['login', secured.host, '-u', 'alice', '--password-stdin'], 'wrong\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^wharf: ping .*HTTP 401.*\n$/);
    const ok = await cli(['login', secured.host, '-u', 'alice', '--password-stdin'], 's3cret\n');
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^Login Succeeded/);
    const config = JSON.parse(await readFile(join(tmp, 'docker', 'config.json'), 'utf8'));
    expect(config.auths[secured.host].auth).toBe(Buffer.from('alice:s3cret').toString('base64'));

    const dir = join(tmp, 'auth-layout');
    await writeOciLayout(dir, [{ tag: 'v1', artifact: makeImage({ layers: 1 }) }]);
    expect((await cli(['copy', `oci:${dir}:v1`, `${secured.host}/private/app:v1`])).code).toBe(0);
    expect((await cli(['tags', `${secured.host}/private/app`])).stdout).toBe('v1\n');
    const flagCreds = await cli(['tags', '--creds', 'alice:nope', `${secured.host}/private/app`]);
    expect(flagCreds.code).toBe(1);
    expect((await cli(['logout', secured.host])).stdout).toContain('Removed');
    expect((await cli(['tags', `${secured.host}/private/app`])).stderr).toMatch(/HTTP 401/);
  });

  it('reports bad input and unreachable registries in one line with exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['inspect', 'UPPER/Case'], /^wharf: invalid reference "UPPER\/Case": .+\n$/],
      [['copy', 'oci:', 'x'], /^wharf: invalid location "oci:": missing directory\n$/],
      [
        ['inspect', '127.0.0.1:1/app:v1'],
        /^wharf: get manifest app:v1: cannot reach 127\.0\.0\.1:1: ECONNREFUSED\n$/,
      ],
      [['tags', '127.0.0.1:1/app'], /^wharf: .*cannot reach 127\.0\.0\.1:1.*\n$/],
      [['delete', '127.0.0.1:1/app:v1'], /^wharf: .*cannot reach.*\n$/],
      [['login', '127.0.0.1:1', '-u', 'x', '-p', 'y'], /^wharf: ping 127\.0\.0\.1:1: cannot reach.*\n$/],
      [['login', '127.0.0.1:1', '-u', 'x'], /^wharf: a password is required.*\n$/],
      [['inspect', '-o', 'yaml', 'a/b'], /^wharf: unknown output format "yaml".*\n$/],
      [['copy', '--src-creds', 'nocolon', 'a/b', 'c/d'], /^wharf: --src-creds must be USER:PASSWORD\n$/],
      [['copy', `oci:${join(tmp, 'nonexistent')}:v1`, 'c/d'], /^wharf: .* is not an OCI image layout.*\n$/],
    ];
    for (const [argv, expected] of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr, argv.join(' ')).toMatch(expected);
      expect(r.stdout).toBe('');
    }
    const usage = await cli(['copy', 'only-one']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/missing required argument/);
  });

  it('exits non-zero without a stack trace as a real process', async () => {
    const entry = join(tmp, 'cli-entry.mjs');
    const target = JSON.stringify(join(process.cwd(), 'src/cli/commands/index.ts'));
    await writeFile(
      entry,
      `import { runCli } from ${target};\nprocess.exitCode = await runCli(process.argv.slice(2));\n`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry, 'inspect', '127.0.0.1:1/x:y'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, DOCKER_CONFIG: join(tmp, 'docker') },
    });
    expect(r.stderr).toBe('wharf: get manifest x:y: cannot reach 127.0.0.1:1: ECONNREFUSED\n');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
  });
});
