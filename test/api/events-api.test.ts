import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { recorded } from './harness.js';
import { auditScenarios } from './scenarios/audit.js';
import { webhookScenarios } from './scenarios/webhooks.js';
import { coverageGaps, type OpenApiDoc, operationIds } from './support/coverage.js';
import { createWorld, type World } from './support/world.js';

const dialects = await availableDialects();
let doc: OpenApiDoc | undefined;

const EVENTS_OPERATIONS = [
  'listAuditEvents',
  'listProjectAuditEvents',
  'listWebhooks',
  'createWebhook',
  'getWebhook',
  'updateWebhook',
  'deleteWebhook',
  'listWebhookDeliveries',
];

describe.each(dialects)('audit log and webhooks API on %s', (dialect) => {
  let world: World;
  const w = () => world;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(() => world.server.close());

  it('documents the audit and webhook operations (with events, the document has them)', async () => {
    const res = await world.server.call('/openapi.json', { as: null });
    doc = (await res.json()) as OpenApiDoc;
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    const ids = operationIds(doc);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(EVENTS_OPERATIONS));
  });

  describe('audit log', () => auditScenarios(w));
  describe('webhooks', () => webhookScenarios(w));
});

/**
 * Every operation this file owns (tags audit and webhooks) was called with a success and with a
 * refusal, and every operation of the full document is owned by some test file.
 */
afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  expect(coverageGaps(doc, recorded, 'events-api.test.ts')).toEqual([]);
});
