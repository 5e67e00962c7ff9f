import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { recorded } from './harness.js';
import { projectScenarios } from './scenarios/projects.js';
import { repositoryScenarios } from './scenarios/repositories.js';
import { robotScenarios } from './scenarios/robots.js';
import { userScenarios } from './scenarios/users.js';
import { createWorld, type World } from './support/world.js';

const dialects = await availableDialects();
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
let doc:
  | { paths: Record<string, Partial<Record<(typeof METHODS)[number], { operationId?: string }>>> }
  | undefined;

describe.each(dialects)('management API on %s', (dialect) => {
  let world: World;
  const w = () => world;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(() => world.server.close());

  it('serves a valid OpenAPI document without a login; JSON bodies parse in this scope', async () => {
    const res = await world.server.call('/openapi.json', { as: null });
    expect(res.status).toBe(200);
    doc = (await res.json()) as NonNullable<typeof doc>;
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    const ids = Object.values(doc.paths).flatMap((ops) => METHODS.flatMap((m) => ops[m]?.operationId ?? []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(20);
    const notJson = await fetch(`${world.server.url}/api/v1/projects`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('admin:admin-password').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: '{not json',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ errors: [{ code: 'WHARF_ERR_REQUEST_INVALID' }] });
  });

  describe('projects and members', () => projectScenarios(w));
  describe('users', () => userScenarios(w));
  describe('robots', () => robotScenarios(w));
  describe('repositories and artifacts', () => repositoryScenarios(w));
});

/** Every operation in the document was called by some test, with a success and with a refusal. */
afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  const missing: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const m of METHODS) {
      if (!ops[m]) continue;
      const hits = recorded.filter((r) => r.method === m.toUpperCase() && re.test(r.path));
      const ok = hits.some((h) => h.status < 300);
      const refused = hits.some((h) => h.status >= 400);
      if (!ok || !refused)
        missing.push(
          `${m.toUpperCase()} ${path} (${ops[m]?.operationId}): ${ok ? '' : 'no success '}${refused ? '' : 'no error case'}`,
        );
    }
  }
  expect(missing).toEqual([]);
});
