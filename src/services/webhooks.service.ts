/**
 * Outgoing webhooks: each event (user.created, payment.succeeded…) fans out into one
 * delivery per configured URL, POSTed with `X-Xkeeper-Signature` (hex HMAC-SHA256 of the
 * raw body) and `X-Xkeeper-Timestamp`, retried with exponential backoff (8 attempts over
 * about an hour), then dead-lettered and reported to admins. An event is queued only while
 * some URL is configured: what happens before a receiver exists is not replayed to it.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';
import type { DbOrTx } from './events.service.ts';
import type { OutboxService } from './outbox.service.ts';
import { outgoingSignature } from './payments/signatures.ts';
import type { SettingsService } from './settings.service.ts';

/** Outbox kind of outgoing webhook events (`user.created`…), fanned out per URL. */
export const WEBHOOK_EVENT = 'webhook.event';
export const WEBHOOK_DELIVERY = 'webhook.delivery';
const TIMEOUT_MS = 10_000;

export function createWebhooksService(deps: {
  clock: Clock;
  outbox: OutboxService;
  settings: SettingsService;
}) {
  const { clock, outbox, settings } = deps;

  function subscribed(): boolean {
    return (settings.get('webhookUrls') ?? []).length > 0;
  }

  /** The signing secret, generated on first use and kept in settings. */
  function secret(): string {
    let value = settings.get('webhookSecret');
    if (!value) {
      value = randomBytes(32).toString('hex');
      settings.set('webhookSecret', value);
    }
    return value;
  }

  outbox.register(WEBHOOK_EVENT, async (payload) => {
    const urls = settings.get('webhookUrls') ?? [];
    if (urls.length === 0) return;
    const body = JSON.stringify({
      event: payload.event,
      timestamp: clock.now().toISOString(),
      data: payload.data ?? null,
    });
    for (const url of urls) outbox.enqueue(WEBHOOK_DELIVERY, { url, body });
  });

  outbox.register(
    WEBHOOK_DELIVERY,
    async (payload) => {
      const url = String(payload.url);
      const body = String(payload.body);
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'xkeeper-webhooks',
          'x-xkeeper-signature': outgoingSignature(secret(), body),
          'x-xkeeper-timestamp': String(Math.floor(clock.now().getTime() / 1000)),
        },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    },
    {
      onGiveUp: (row, lastError) =>
        outbox.enqueue(
          'admin.alert',
          {
            type: 'webhook.dead_letter',
            severity: 'error',
            data: { url: row.payload.url, error: lastError },
          },
          undefined,
          `alert:webhook.dead_letter:${String(row.payload.url)}:${Math.floor(clock.now().getTime() / 3_600_000)}`,
        ),
    },
  );

  return {
    /** The secret receivers verify signatures with (shown to admins once they ask). */
    secret,

    /**
     * Queues `event` in the caller's transaction when some URL is configured; `data` is built
     * only then. Without receivers nothing is written, so a burst (100k first connections
     * after an import) cannot fill the outbox ahead of people's notices.
     */
    emit(tx: DbOrTx, event: string, data: () => unknown): void {
      if (!subscribed()) return;
      outbox.enqueue(WEBHOOK_EVENT, { event, data: data() }, tx);
    },

    /** Whether some URL receives events now. */
    subscribed,
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
