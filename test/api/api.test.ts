import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { basic, recorded } from './harness.js';
import { projectScenarios } from './scenarios/projects.js';
import { repositoryScenarios } from './scenarios/repositories.js';
import { robotScenarios } from './scenarios/robots.js';
import { userScenarios } from './scenarios/users.js';
import { coverageGaps, type OpenApiDoc, operationIds } from './support/coverage.js';
import { ADMIN, createWorld, type World } from './support/world.js';

const dialects = await availableDialects();
let doc: OpenApiDoc | undefined;

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
    doc = (await res.json()) as OpenApiDoc;
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    const ids = operationIds(doc);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(20);
    const notJson = await fetch(`${world.server.url}/api/v1/projects`, {
      method: 'POST',
      headers: {
        authorization: basic(...ADMIN),
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

/**
 * Every operation of the document owned by this file was called by some test, with a success and
 * with a refusal (the audit and webhook operations: events-api.test.ts; see support/coverage.ts).
 */
afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  expect(coverageGaps(doc, recorded, 'api.test.ts')).toEqual([]);
});
