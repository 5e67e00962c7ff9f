import { request } from 'undici';
import type { EventStore, WebhookRecord } from '../../ports/event-store.js';
import { type JobContext, PermanentJobError } from './jobs.js';
import { type RenderContext, render, signature } from './payloads.js';
import type { WharfEvent } from './types.js';
import type { DeliveryJob } from './webhooks.js';

export interface DelivererOptions {
  store: EventStore;
  /** Per-attempt limit for connecting, sending and getting the response. Default 10 s. */
  timeoutMs?: number;
  registryHost?: string;
  source?: string;
  /** Harbor's repo_type of a project; 'private' when unknown. */
  repoType?: (project: string) => Promise<'public' | 'private'>;
}

interface Attempt {
  ok: boolean;
  responseStatus: number | null;
  error: string | null;
}

/**
 * The `webhook.deliver` job: POSTs one event to one webhook, signed, and records the attempt in the
 * delivery history. A non-2xx answer or a network error fails the job (retried with backoff).
 *
 * Headers: `X-Wharf-Event` (the event type), `X-Wharf-Delivery` (the job id: the same on every
 * retry of one event to one webhook, so receivers can drop duplicates) and `X-Wharf-Signature`
 * (`sha256=<hex HMAC-SHA256 of the raw body, keyed with the webhook secret>`).
 */
export class WebhookDeliverer {
  constructor(private readonly o: DelivererOptions) {}

  readonly handle = async (payload: unknown, ctx: JobContext): Promise<unknown> => {
    const { webhookId, eventId } = payload as DeliveryJob;
    const hook = await this.o.store.webhooks.get(webhookId);
    if (!hook) throw new PermanentJobError(`webhook ${webhookId} no longer exists`);
    if (!hook.enabled) return { skipped: 'webhook disabled' };
    const event = await this.o.store.log.get(eventId);
    if (!event) throw new PermanentJobError(`event ${eventId} no longer exists (retention)`);
    const deliveryId = await this.o.store.webhooks.startDelivery({
      webhookId,
      eventId,
      attempt: ctx.job.attempts,
    });
    const started = performance.now();
    const attempt = await this.post(hook, event, String(ctx.job.id), ctx.signal);
    await this.o.store.webhooks.finishDelivery(deliveryId, {
      status: attempt.ok ? 'success' : 'failed',
      responseStatus: attempt.responseStatus,
      error: attempt.error,
      durationMs: performance.now() - started,
    });
    if (!attempt.ok) throw new Error(`delivery to webhook ${webhookId} failed: ${attempt.error}`);
    return { status: attempt.responseStatus };
  };

  private async renderContext(event: WharfEvent): Promise<RenderContext> {
    let repoType: 'public' | 'private' = 'private';
    if (event.project !== null && this.o.repoType) {
      repoType = await this.o.repoType(event.project).catch(() => 'private' as const);
    }
    return { registryHost: this.o.registryHost ?? '', source: this.o.source ?? '/wharf', repoType };
  }

  private async post(
    hook: WebhookRecord,
    event: WharfEvent,
    deliveryId: string,
    lost: AbortSignal,
  ): Promise<Attempt> {
    const { body, contentType } = render(hook.format, event, await this.renderContext(event));
    const timeoutMs = this.o.timeoutMs ?? 10_000;
    try {
      const res = await request(hook.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': contentType,
          'user-agent': 'wharf-webhook/1',
          'x-wharf-event': event.type,
          'x-wharf-delivery': deliveryId,
          'x-wharf-signature': signature(body, hook.secret),
        },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.any([lost, AbortSignal.timeout(timeoutMs)]),
      });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, responseStatus: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}` };
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return {
        ok: false,
        responseStatus: null,
        error: `${err instanceof Error ? err.message : String(err)}${cause}`,
      };
    }
  }
}
