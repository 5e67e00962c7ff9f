import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dockerConfigPath,
  readCredentials,
  removeCredentials,
  storeCredentials,
} from '../../src/client/docker-config.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-docker-config-'));
  env = { DOCKER_CONFIG: dir };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('docker config credentials', () => {
  it('uses $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath({ env })).toBe(join(dir, 'config.json'));
    expect(dockerConfigPath({ env: { HOME: '/home/x' } })).toBe('/home/x/.docker/config.json');
  });

  it('reads nothing when there is no file', async () => {
    expect(await readCredentials('localhost:5000', { env })).toBeUndefined();
  });

  it('stores with mode 0600, keeps other keys, and reads back', async () => {
    const path = join(dir, 'config.json');
    await writeFile(
      path,
      JSON.stringify({ credsStore: 'none', auths: { 'other.io': { auth: 'eDp5' } }, proxies: {} }),
    );
    await storeCredentials('localhost:5000', { username: 'alice', password: 'p:ss' }, { env });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(await readFile(path, 'utf8'));
    expect(doc.credsStore).toBe('none');
    expect(doc.proxies).toEqual({});
    expect(doc.auths['other.io']).toEqual({ auth: 'eDp5' });
    expect(doc.auths['localhost:5000']).toEqual({ auth: Buffer.from('alice:p:ss').toString('base64') });
    expect(await readCredentials('localhost:5000', { env })).toEqual({ username: 'alice', password: 'p:ss' });
    expect(await readCredentials('other.io', { env })).toEqual({ username: 'x', password: 'y' });
  });

  it('reads keys written with a scheme, and Docker Hub under its v1 key', async () => {
    const auth = (s: string) => Buffer.from(s).toString('base64');
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://ghcr.io': { auth: auth('g:1') },
          'https://index.docker.io/v1/': { auth: auth('d:2') },
          'quay.io': { username: 'q', password: '3' },
        },
      }),
    );
    expect(await readCredentials('ghcr.io', { env })).toEqual({ username: 'g', password: '1' });
    expect(await readCredentials('docker.io', { env })).toEqual({ username: 'd', password: '2' });
    expect(await readCredentials('quay.io', { env })).toEqual({ username: 'q', password: '3' });
    await storeCredentials('docker.io', { username: 'n', password: '4' }, { env });
    const doc = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(Object.keys(doc.auths)).toContain('https://index.docker.io/v1/');
    expect(await readCredentials('docker.io', { env })).toEqual({ username: 'n', password: '4' });
  });

  it('removes credentials', async () => {
    await storeCredentials('a.io', { username: 'u', password: 'p' }, { env });
    expect(await removeCredentials('a.io', { env })).toBe(true);
    expect(await removeCredentials('a.io', { env })).toBe(false);
    expect(await readCredentials('a.io', { env })).toBeUndefined();
  });

  it('refuses to overwrite a config that is not JSON', async () => {
    await writeFile(join(dir, 'config.json'), '{oops');
    await expect(storeCredentials('a.io', { username: 'u', password: 'p' }, { env })).rejects.toThrow(
      /not a valid docker config/,
    );
  });
});
