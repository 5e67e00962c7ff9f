import { createHmac } from 'node:crypto';
import type { WebhookFormat } from '../../ports/event-store.js';
import type { WharfEvent } from './types.js';

/** What a receiver gets: the exact bytes that are signed, and their content type. */
export interface RenderedPayload {
  body: string;
  contentType: string;
}

export interface RenderContext {
  /** host[:port] for Harbor's resource_url (`registry.example.com/team/api:v1`); empty: no host part. */
  registryHost: string;
  /** CloudEvents `source`. */
  source: string;
  /** Harbor's repo_type. */
  repoType: 'public' | 'private';
}

function resourceUrl(e: WharfEvent, host: string): string {
  const ref = e.tag ? `:${e.tag}` : e.digest ? `@${e.digest}` : '';
  return `${host ? `${host}/` : ''}${e.repository ?? ''}${ref}`;
}

/** Harbor's custom_attributes is a string map: the outcome and detail go there, flattened. */
function customAttributes(e: WharfEvent): Record<string, string> {
  const out: Record<string, string> = { outcome: e.outcome };
  for (const [k, v] of Object.entries(e.detail ?? {})) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/**
 * Harbor's webhook payload (the "Default" format), field for field:
 * `{ type, occur_at, operator, event_data: { resources: [{digest, tag, resource_url}], repository: {…} } }`.
 */
export function harborPayload(e: WharfEvent, ctx: RenderContext): Record<string, unknown> {
  const eventData: Record<string, unknown> = {};
  if (e.repository !== null) {
    const slash = e.repository.indexOf('/');
    eventData.resources = [
      {
        digest: e.digest ?? '',
        tag: e.tag ?? '',
        resource_url: resourceUrl(e, ctx.registryHost),
      },
    ];
    eventData.repository = {
      name: slash === -1 ? e.repository : e.repository.slice(slash + 1),
      namespace: e.project ?? '',
      repo_full_name: e.repository,
      repo_type: ctx.repoType,
    };
  }
  eventData.custom_attributes = customAttributes(e);
  return {
    type: e.type,
    occur_at: Math.floor(e.occurredAt.getTime() / 1000),
    operator: e.actor.name,
    event_data: eventData,
  };
}

/** CloudEvents 1.0, structured JSON mode. The client IP stays in the audit log, out of payloads. */
export function cloudEvent(e: WharfEvent, ctx: RenderContext): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: e.id,
    source: ctx.source,
    type: `io.wharf.${e.type.toLowerCase()}`,
    time: e.occurredAt.toISOString(),
    datacontenttype: 'application/json',
    ...(e.repository !== null ? { subject: resourceUrl(e, '') } : {}),
    data: {
      type: e.type,
      actor: e.actor,
      project: e.project,
      repository: e.repository,
      digest: e.digest,
      tag: e.tag,
      mediaType: e.mediaType,
      outcome: e.outcome,
      detail: e.detail,
    },
  };
}

export function render(format: WebhookFormat, e: WharfEvent, ctx: RenderContext): RenderedPayload {
  return format === 'cloudevents'
    ? { body: JSON.stringify(cloudEvent(e, ctx)), contentType: 'application/cloudevents+json' }
    : { body: JSON.stringify(harborPayload(e, ctx)), contentType: 'application/json' };
}

/** `X-Wharf-Signature` value: `sha256=` and the hex HMAC-SHA256 of the raw body under the webhook secret. */
export function signature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
