/**
 * Outgoing webhooks: each event (user.created, payment.succeeded…) fans out into one
 * delivery per configured URL, POSTed with `X-Xkeeper-Signature` (hex HMAC-SHA256 of the
 * raw body) and `X-Xkeeper-Timestamp`, retried with exponential backoff (8 attempts over
 * about an hour), then dead-lettered and reported to admins. An event is queued only while
 * some URL is configured: what happens before a receiver exists is not replayed to it.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';
import { queueAlert } from './alerts.ts';
import type { DbOrTx } from './events.service.ts';
import type { WebhookEventType } from './messages.ts';
import type { OutboxService } from './outbox.service.ts';
import { outgoingSignature } from './payments/signatures.ts';
import type { SettingsService } from './settings.service.ts';

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

  outbox.register('webhook.event', async (payload) => {
    const urls = settings.get('webhookUrls') ?? [];
    if (urls.length === 0) return;
    const body = JSON.stringify({
      event: payload.event,
      timestamp: clock.now().toISOString(),
      data: payload.data ?? null,
    });
    for (const url of urls) outbox.enqueue('webhook.delivery', { url, body });
  });

  outbox.register(
    'webhook.delivery',
    async ({ url, body }) => {
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
      onGiveUp: ({ payload: { url } }, lastError) =>
        queueAlert(
          { outbox, clock },
          { type: 'webhook.dead_letter', severity: 'error', data: { url, error: lastError } },
          { key: url, throttleMinutes: 60 },
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
    emit(tx: DbOrTx, event: WebhookEventType, data: () => unknown): void {
      if (!subscribed()) return;
      outbox.enqueue('webhook.event', { event, data: data() }, tx);
    },

    /** Whether some URL receives events now. */
    subscribed,
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
