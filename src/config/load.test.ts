import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-config-'));
  const file = join(dir, 'wharf.yaml');
  await writeFile(file, text);
  return file;
}

describe('loadConfig', () => {
  it('gives a working embedded registry from defaults alone', async () => {
    const c = await loadConfig({ env: {} });
    expect(c.listen).toBe('127.0.0.1:5000');
    expect(c.dataDir).toBe('./wharf-data');
    expect(c.auth).toBe('token');
    expect(c.uploads.ttlSeconds).toBe(86_400);
    expect(c.limits.maxManifestBytes).toBe(4 * 1024 * 1024);
    expect(Object.isFrozen(c.uploads)).toBe(true);
  });

  it('layers file, then environment, then flags', async () => {
    const file = await configFile(
      'version: 1\nlisten: 0.0.0.0:6000\ndataDir: /srv/a\nuploads:\n  ttlSeconds: 60\n',
    );
    const c = await loadConfig({
      file,
      env: {
        WHARF_DATA_DIR: '/srv/b',
        WHARF_UPLOADS_PURGE_INTERVAL_SECONDS: '30',
        WHARF_DATABASE_URL: 'postgres://x/y',
      },
      flags: { listen: '127.0.0.1:7000' },
    });
    expect(c).toMatchObject({ listen: '127.0.0.1:7000', dataDir: '/srv/b', database: 'postgres://x/y' });
    expect(c.uploads).toEqual({ ttlSeconds: 60, purgeIntervalSeconds: 30 });
  });

  it.each([
    ['an unknown key', 'version: 1\nlisen: x\n', /lisen/],
    ['an unknown nested key', 'version: 1\nuploads:\n  ttl: 5\n', /uploads/],
    ['a wrong type', 'version: 1\nuploads:\n  ttlSeconds: soon\n', /uploads\.ttlSeconds/],
    ['a bad enum', 'version: 1\nauth: maybe\n', /auth/],
    ['a wrong version', 'version: 2\n', /version/],
    ['invalid YAML', 'version: [1\n', /not valid YAML/],
  ])('refuses %s with a message naming the key', async (_name, text, pattern) => {
    const file = await configFile(text);
    const err = await loadConfig({ file, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(pattern);
  });

  it('refuses a missing file with a clear message', async () => {
    await expect(loadConfig({ file: '/nonexistent/wharf.yaml', env: {} })).rejects.toThrow(
      /cannot read config file/,
    );
  });
});
