/**
 * The one way to raise an admin alert: queued in the outbox (`admin.alert`), deduplicated
 * and throttled through its dedupe key. `services.admins.alert` is this function with the
 * services' outbox; services built before it call it directly.
 */
import type { Clock } from './clock.ts';
import type { DbOrTx } from './events.service.ts';
import type { AdminAlert } from './messages.ts';
import type { OutboxService } from './outbox.service.ts';

export interface AlertOptions {
  /** One occurrence (a payment id, say): an alert with the same type and key goes out once. */
  key?: string;
  /** At most one alert of this type (and key) per this many minutes. Default 10 without a key, else 0. */
  throttleMinutes?: number;
  /** The transaction of the change the alert is about. */
  tx?: DbOrTx;
}

/**
 * Queues an alert to every admin. The same type and key inside one throttle window is
 * queued once.
 * @returns true when queued, false when an equal alert already was.
 */
export function queueAlert(
  deps: { outbox: OutboxService; clock: Clock },
  alert: AdminAlert,
  options: AlertOptions = {},
): boolean {
  const minutes = options.throttleMinutes ?? (options.key ? 0 : 10);
  const window = minutes > 0 ? Math.floor(deps.clock.now().getTime() / (minutes * 60_000)) : '';
  const dedupe =
    options.key || minutes > 0 ? `admin.alert:${alert.type}:${options.key ?? ''}:${window}` : undefined;
  return deps.outbox.enqueue('admin.alert', { ...alert }, options.tx, dedupe);
}
