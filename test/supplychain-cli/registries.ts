import { afterAll, beforeAll } from 'vitest';
import type { Credentials } from '../../src/client/auth.js';
import { RegistryClient } from '../../src/client/index.js';
import { type DockerRegistry, startDockerRegistry } from '../helpers/docker-registry.js';
import { makeImage, type TestImage } from '../helpers/images.js';
import { pushArtifact } from '../helpers/push.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

/** A registry under test: Wharf (token auth, referrers API) or docker-registry (no referrers API). */
export interface Target {
  name: 'wharf' | 'docker-registry';
  host: string;
  credentials: Credentials | undefined;
  client: RegistryClient;
  /** Pushes a fresh random image to `repo:tag`; returns it. */
  push(repo: string, tag: string): Promise<TestImage>;
}

export const TARGETS = ['wharf', 'docker-registry'] as const;

/** Starts the named registry for the enclosing describe block. */
export function useTarget(name: Target['name']): Target {
  const t = { name } as Target;
  let wharf: TestServer | undefined;
  let dr: DockerRegistry | undefined;
  beforeAll(async () => {
    if (name === 'wharf') {
      wharf = await startTestServer({ auth: 'token' });
      t.host = new URL(wharf.url).host;
      t.credentials = { username: 'admin', password: ADMIN_PASSWORD };
    } else {
      dr = await startDockerRegistry();
      t.host = dr.host;
      t.credentials = undefined;
    }
    t.client = new RegistryClient({ registry: t.host, credentials: t.credentials });
    t.push = async (repo, tag) => {
      const image = makeImage({ layers: 1, size: 256 });
      await pushArtifact(t.client, repo, tag, image);
      return image;
    };
  });
  afterAll(async () => {
    await wharf?.stop();
    await dr?.stop();
  });
  return t;
}
