import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.js';
import { cloudEvent, harborPayload, render, signature } from './payloads.js';
import type { WharfEvent } from './types.js';

const ctx = { registryHost: 'reg.example:5000', source: '/wharf', repoType: 'public' } as const;

function event(e: Partial<WharfEvent> = {}): WharfEvent {
  return {
    id: uuidv7(),
    type: 'DELETE_ARTIFACT',
    occurredAt: new Date('2024-05-01T12:00:00.999Z'),
    actor: { name: 'alice', kind: 'user' },
    clientIp: '10.0.0.1',
    project: 'platform',
    repository: 'platform/base/alpine',
    digest: `sha256:${'b'.repeat(64)}`,
    tag: null,
    mediaType: null,
    outcome: 'success',
    detail: { kind: 'manifest', tags: ['3.19'] },
    ...e,
  };
}

describe('webhook payloads', () => {
  it("follows Harbor's names for nested repositories and digest references", () => {
    expect(harborPayload(event(), ctx)).toEqual({
      type: 'DELETE_ARTIFACT',
      occur_at: Date.parse('2024-05-01T12:00:00Z') / 1000,
      operator: 'alice',
      event_data: {
        resources: [
          {
            digest: `sha256:${'b'.repeat(64)}`,
            tag: '',
            resource_url: `reg.example:5000/platform/base/alpine@sha256:${'b'.repeat(64)}`,
          },
        ],
        repository: {
          name: 'base/alpine',
          namespace: 'platform',
          repo_full_name: 'platform/base/alpine',
          repo_type: 'public',
        },
        custom_attributes: { outcome: 'success', kind: 'manifest', tags: '["3.19"]' },
      },
    });
  });

  it('leaves out repository facts an event does not have, and never the client IP', () => {
    const e = event({
      type: 'LOGIN_FAILED',
      project: null,
      repository: null,
      digest: null,
      outcome: 'failure',
      detail: { reason: 'x' },
    });
    expect(harborPayload(e, ctx).event_data).toEqual({
      custom_attributes: { outcome: 'failure', reason: 'x' },
    });
    const ce = cloudEvent(e, ctx);
    expect(ce).not.toHaveProperty('subject');
    expect(ce.type).toBe('io.wharf.login_failed');
    expect(JSON.stringify(ce)).not.toContain('10.0.0.1');
  });

  it('signs the exact body with HMAC-SHA256', () => {
    const { body } = render('harbor', event(), ctx);
    expect(signature(body, 'k')).toBe(`sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`);
    expect(signature(body, 'k')).not.toBe(signature(`${body} `, 'k'));
  });

  it('makes time-ordered, strictly increasing UUIDv7 ids', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(uuidv7(Date.UTC(2020, 0, 1)).slice(0, 13)).toBe('016f5e66-e800');
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
