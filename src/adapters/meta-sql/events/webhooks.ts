import type { Kysely, Selectable } from 'kysely';
import type {
  DeliveryRecord,
  DeliveryStatus,
  WebhookFormat,
  WebhookRecord,
  WebhookStore,
} from '../../../ports/event-store.js';
import type { EventType } from '../../../services/events/types.js';
import type { Database } from '../schema.js';
import type { WebhookDeliveriesTable, WebhooksTable } from '../schema-events.js';

function toWebhook(r: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: Number(r.id),
    project: r.project,
    url: r.url,
    secret: r.secret,
    eventTypes: JSON.parse(r.event_types) as EventType[],
    format: r.format as WebhookFormat,
    enabled: Number(r.enabled) === 1,
    createdAt: new Date(Number(r.created_at)),
  };
}

function toDelivery(r: Selectable<WebhookDeliveriesTable>): DeliveryRecord {
  return {
    id: Number(r.id),
    webhookId: Number(r.webhook_id),
    eventId: r.event_id,
    attempt: Number(r.attempt),
    status: r.status as DeliveryStatus,
    responseStatus: r.response_status === null ? null : Number(r.response_status),
    error: r.error,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    createdAt: new Date(Number(r.created_at)),
  };
}

/** Webhooks per project and their delivery history. */
export class SqlWebhookStore implements WebhookStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(w: Omit<WebhookRecord, 'id' | 'createdAt'>): Promise<WebhookRecord> {
    const row = await this.db
      .insertInto('webhooks')
      .values({
        project: w.project,
        url: w.url,
        secret: w.secret,
        event_types: JSON.stringify(w.eventTypes),
        format: w.format,
        enabled: w.enabled ? 1 : 0,
        created_at: Date.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWebhook(row);
  }

  async get(id: number): Promise<WebhookRecord | undefined> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toWebhook(row) : undefined;
  }

  async list(project: string): Promise<WebhookRecord[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('project', '=', project)
      .orderBy('id')
      .execute();
    return rows.map(toWebhook);
  }

  async update(
    id: number,
    patch: Partial<Pick<WebhookRecord, 'url' | 'secret' | 'eventTypes' | 'format' | 'enabled'>>,
  ): Promise<WebhookRecord | undefined> {
    const set = {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.secret !== undefined ? { secret: patch.secret } : {}),
      ...(patch.eventTypes !== undefined ? { event_types: JSON.stringify(patch.eventTypes) } : {}),
      ...(patch.format !== undefined ? { format: patch.format } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
    };
    if (Object.keys(set).length > 0) {
      await this.db.updateTable('webhooks').set(set).where('id', '=', id).execute();
    }
    return this.get(id);
  }

  async delete(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async startDelivery(d: { webhookId: number; eventId: string; attempt: number }): Promise<number> {
    const row = await this.db
      .insertInto('webhook_deliveries')
      .values({
        webhook_id: d.webhookId,
        event_id: d.eventId,
        attempt: d.attempt,
        status: 'pending',
        response_status: null,
        error: null,
        duration_ms: null,
        created_at: Date.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async finishDelivery(
    id: number,
    result: {
      status: 'success' | 'failed';
      responseStatus: number | null;
      error: string | null;
      durationMs: number;
    },
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: result.status,
        response_status: result.responseStatus,
        error: result.error === null ? null : result.error.slice(0, 2000),
        duration_ms: Math.round(result.durationMs),
      })
      .where('id', '=', id)
      .execute();
  }

  async deliveries(webhookId: number, page: { before?: number; limit: number }): Promise<DeliveryRecord[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    if (page.before !== undefined) q = q.where('id', '<', page.before);
    const rows = await q.orderBy('id', 'desc').limit(page.limit).execute();
    return rows.map(toDelivery);
  }
}
