import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/index.js';
import { runCliCaptured, succeeded } from '../helpers/cli.js';
import { type DockerRegistry, hasDockerRegistry, startDockerRegistry } from '../helpers/docker-registry.js';
import { ADMIN_PASSWORD, type TestServer } from '../helpers/server.js';
import { clientFor, hostOf, pushSignedImage, startWharf } from './harness.js';

// `wharf replication …` against a real server, replicating to docker-registry.
describe.skipIf(!hasDockerRegistry())('wharf replication (CLI)', () => {
  let wharf: TestServer;
  let reg: DockerRegistry;

  beforeAll(async () => {
    [wharf, reg] = await Promise.all([startWharf('sqlite'), startDockerRegistry()]);
  });
  afterAll(async () => {
    await wharf?.stop();
    await reg?.stop();
  });

  async function cli(argv: string[], stdin = '') {
    return runCliCaptured([...argv, '-u', 'admin', '-p', ADMIN_PASSWORD], {
      stdin,
      env: { WHARF_REGISTRY: hostOf(wharf), HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' },
    });
  }

  async function ok(argv: string[], stdin?: string): Promise<string> {
    return succeeded(argv, await cli(argv, stdin));
  }

  it('creates, lists, runs (dry and for real), shows executions and deletes a policy', async () => {
    const image = await pushSignedImage(clientFor(wharf), 'cli/app', 'v1');
    const url = `http://${reg.host}`;
    expect(
      await ok([
        'replication',
        'policy',
        'create',
        'to-reg',
        '--mode',
        'push',
        '--url',
        url,
        '--insecure',
        '--repository',
        'cli/*',
        '--tag',
        'v*',
      ]),
    ).toMatch(/^Created replication policy to-reg \(\d+\)\n$/);
    await ok(
      [
        'replication',
        'policy',
        'create',
        'with-creds',
        '--mode',
        'pull',
        '--url',
        'https://ghcr.io',
        '--remote-user',
        'bob',
        '--remote-password-stdin',
        '--trigger',
        'cron',
        '--schedule',
        '03:15',
      ],
      'pa55w0rd-secret\n',
    );
    const table = await ok(['replication', 'policy', 'list']);
    expect(table).toMatch(
      /to-reg\s+push\s+http:\/\/127\.0\.0\.1:\d+\s+anonymous\s+repository=cli\/\* tag=v\*\s+manual\s+yes/,
    );
    expect(table).toMatch(/with-creds\s+pull\s+https:\/\/ghcr\.io\s+basic\s+-\s+cron 03:15/);
    const json = await ok(['replication', 'policy', 'list', '--json']);
    expect(json).not.toContain('pa55w0rd');

    const dry = await ok(['replication', 'run', 'to-reg', '--dry-run', '--wait']);
    expect(dry).toMatch(/Status:\s+succeeded/);
    expect(dry).toMatch(/cli\/app\s+v1\s+cli\/app\s+sha256:\S+\s+planned/);
    expect(await new RegistryClient({ registry: reg.host }).headManifest('cli/app', 'v1')).toBeUndefined();

    const real = await ok(['replication', 'run', 'to-reg', '--wait']);
    expect(real).toMatch(/cli\/app\s+v1\s+cli\/app\s+sha256:\S+\s+copied/);
    expect((await new RegistryClient({ registry: reg.host }).headManifest('cli/app', 'v1'))?.digest).toBe(
      image.digest,
    );

    const runs = await ok(['replication', 'executions', '--policy', 'to-reg']);
    expect(runs.trim().split('\n')).toHaveLength(3);
    const [latest] = JSON.parse(await ok(['replication', 'executions', '--json'])) as { id: number }[];
    const shown = JSON.parse(await ok(['replication', 'execution', String(latest?.id), '--json'])) as {
      artifacts: { status: string }[];
    };
    expect(shown.artifacts.map((a) => a.status)).toEqual(['copied']);
    const queued = await ok(['replication', 'run', 'to-reg']);
    expect(queued).toMatch(/^Queued execution \d+ of to-reg\n$/);

    expect(await ok(['replication', 'policy', 'delete', 'to-reg'])).toBe(
      'Deleted replication policy to-reg\n',
    );
    expect(await ok(['replication', 'policy', 'list'])).not.toContain('to-reg');
  });

  it('refuses bad usage in one line', async () => {
    for (const [argv, line] of [
      [
        ['replication', 'policy', 'create', 'x', '--mode', 'push', '--url', 'https://h', '--trigger', 'cron'],
        /needs --schedule/,
      ],
      [
        ['replication', 'policy', 'create', 'x', '--mode', 'sideways', '--url', 'https://h'],
        /--mode must be push or pull/,
      ],
      [
        [
          'replication',
          'policy',
          'create',
          'x',
          '--mode',
          'push',
          '--url',
          'https://h',
          '--remote-user',
          'u',
        ],
        /needs --remote-password-stdin/,
      ],
      [['replication', 'run', 'nope'], /no replication policy named "nope"/],
      [
        ['replication', 'policy', 'create', 'x', '--mode', 'push', '--url', 'http://h'],
        /an http endpoint needs insecure/,
      ],
    ] as const) {
      const r = await cli([...argv]);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
      expect(r.stderr).toMatch(/^wharf: .*\n$/);
      expect(r.stderr).toMatch(line);
    }
  });
});
