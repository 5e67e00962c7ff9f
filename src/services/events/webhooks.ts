import { randomBytes } from 'node:crypto';
import { RegistryError } from '../../oci/errors.js';
import type {
  DeliveryRecord,
  NewJob,
  WebhookFormat,
  WebhookRecord,
  WebhookStore,
} from '../../ports/event-store.js';
import type { EventTrigger } from './sink.js';
import { type EventType, isEventType, type WharfEvent } from './types.js';

/** The job kind of one webhook delivery; payload {@link DeliveryJob}. */
export const DELIVERY_JOB = 'webhook.deliver';

export interface DeliveryJob {
  webhookId: number;
  eventId: string;
}

/** A webhook as callers see it: never the secret. */
export type WebhookView = Omit<WebhookRecord, 'secret'>;

export interface CreateWebhook {
  project: string;
  url: string;
  /** The HMAC key the receiver also holds; generated (and returned once) when omitted. */
  secret?: string;
  /** Event types to deliver; empty or omitted: all. */
  eventTypes?: string[];
  format?: WebhookFormat;
  enabled?: boolean;
}

export type UpdateWebhook = Partial<Omit<CreateWebhook, 'project'>>;

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError('WHARF_ERR_REQUEST_INVALID', message, { detail });
}

function checkUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('webhook url is not a URL', { url });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('webhook url must be http or https');
  return u.toString();
}

function checkTypes(types: string[]): EventType[] {
  const bad = types.filter((t) => !isEventType(t));
  if (bad.length > 0) throw invalid('unknown event types', { unknown: bad });
  return [...new Set(types)] as EventType[];
}

function checkFormat(format: string): WebhookFormat {
  if (format !== 'harbor' && format !== 'cloudevents')
    throw invalid("format must be 'harbor' or 'cloudevents'");
  return format;
}

function view({ secret: _secret, ...rest }: WebhookRecord): WebhookView {
  return rest;
}

export interface WebhookServiceOptions {
  store: WebhookStore;
  /** How long a project's webhook list is reused when fanning out events. Default 5000. */
  cacheTtlMs?: number;
  /** Attempts per delivery before it is given up. Default 10 (about 17 minutes of retries at 1 s base). */
  maxAttempts?: number;
}

/**
 * Per-project webhooks: CRUD for the management API, and the trigger that turns each event into
 * one delivery job per matching, enabled webhook. Secrets go in on create/update and never come
 * back out, except generated ones, once, in create()'s result.
 */
export class WebhookService implements EventTrigger {
  private readonly cache = new Map<string, { at: number; hooks: WebhookRecord[] }>();

  constructor(private readonly o: WebhookServiceOptions) {}

  async create(input: CreateWebhook): Promise<{ webhook: WebhookView; secret: string }> {
    if (!input.project || input.project.includes('/')) throw invalid('project must be a project name');
    const secret = input.secret ?? randomBytes(32).toString('base64url');
    if (secret.length === 0) throw invalid('secret must not be empty');
    const record = await this.o.store.create({
      project: input.project,
      url: checkUrl(input.url),
      secret,
      eventTypes: checkTypes(input.eventTypes ?? []),
      format: checkFormat(input.format ?? 'harbor'),
      enabled: input.enabled ?? true,
    });
    this.cache.delete(record.project);
    return { webhook: view(record), secret };
  }

  async list(project: string): Promise<WebhookView[]> {
    return (await this.o.store.list(project)).map(view);
  }

  async get(id: number): Promise<WebhookView | undefined> {
    const w = await this.o.store.get(id);
    return w ? view(w) : undefined;
  }

  async update(id: number, patch: UpdateWebhook): Promise<WebhookView | undefined> {
    if (patch.secret === '') throw invalid('secret must not be empty');
    const record = await this.o.store.update(id, {
      ...(patch.url !== undefined ? { url: checkUrl(patch.url) } : {}),
      ...(patch.secret !== undefined ? { secret: patch.secret } : {}),
      ...(patch.eventTypes !== undefined ? { eventTypes: checkTypes(patch.eventTypes) } : {}),
      ...(patch.format !== undefined ? { format: checkFormat(patch.format) } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    });
    if (record) this.cache.delete(record.project);
    return record ? view(record) : undefined;
  }

  /** Removes every webhook of a project (it is being deleted: a new project of that name starts clean). */
  async deleteProject(project: string): Promise<void> {
    for (const hook of await this.o.store.list(project)) await this.delete(hook.id);
  }

  async delete(id: number): Promise<boolean> {
    const record = await this.o.store.get(id);
    if (!record) return false;
    this.cache.delete(record.project);
    return this.o.store.delete(id);
  }

  /** Delivery attempts of a webhook, newest first; `before` is the last id of the previous page. */
  deliveries(webhookId: number, page: { before?: number; limit?: number } = {}): Promise<DeliveryRecord[]> {
    const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
    return this.o.store.deliveries(webhookId, {
      limit,
      ...(page.before !== undefined ? { before: page.before } : {}),
    });
  }

  async jobsFor(event: WharfEvent): Promise<NewJob[]> {
    if (event.project === null) return [];
    const hooks = await this.hooksOf(event.project);
    return hooks
      .filter((h) => h.enabled && (h.eventTypes.length === 0 || h.eventTypes.includes(event.type)))
      .map((h) => ({
        kind: DELIVERY_JOB,
        payload: { webhookId: h.id, eventId: event.id } satisfies DeliveryJob,
        uniqueKey: `webhook:${h.id}:${event.id}`,
        maxAttempts: this.o.maxAttempts ?? 10,
      }));
  }

  /**
   * A project's webhooks, reused for cacheTtlMs (events are hot: every pull is one). Local changes
   * drop the entry at once; another replica's changes show within the TTL.
   */
  private async hooksOf(project: string): Promise<WebhookRecord[]> {
    const now = Date.now();
    const hit = this.cache.get(project);
    if (hit && now - hit.at < (this.o.cacheTtlMs ?? 5000)) return hit.hooks;
    const hooks = await this.o.store.list(project);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(project, { at: now, hooks });
    return hooks;
  }
}
