/**
 * Every message the layers pass through the outbox and the event log, declared once: the
 * outbox kinds with their payloads, the owners' notices, the admin alerts, the event and
 * webhook types. Producers and handlers both use these types, so a misspelled kind does not
 * compile and a handler that forgets a kind fails its exhaustive switch.
 */
import type { CoreEventType } from '../core/events.ts';
import type { Severity } from '../db/schema.ts';
import type { BackupResult } from './backups.service.ts';

/** A notice about one key, queued for its owner with {@link KeysService.notifyOwner}. */
export type KeyNotice =
  | { notice: 'quota'; percent: number }
  | { notice: 'expiring'; days: number; expireAt: string }
  | { notice: 'expired' }
  | { notice: 'never_connected' }
  | { notice: 'kicked' }
  | { notice: 'disabled' }
  | { notice: 'renewed'; expireAt: string | null }
  | { notice: 'approved'; requestId: number }
  | { notice: 'purchased'; trial: boolean };

/** Something an owner hears about in Telegram (`owner.notice`). */
export type OwnerNotice = { telegramId: number } & (
  | (KeyNotice & { key: string })
  | { notice: 'refunded'; key: string | null; order: number; amount: number; currency: string }
  | { notice: 'rejected'; requestId: number }
);

/** A key request every admin is asked to decide (`admin.key_request`). */
export interface KeyRequestMessage {
  requestId: number;
  telegramId: number;
  username: string | null;
  name: string;
}

/** Values an alert shows. Never secrets: alerts land in chats. */
type AlertValues = Record<string, unknown>;

/** The data each admin alert type carries; `details` is made from the data when not given. */
export interface AlertData extends Record<CoreEventType, AlertValues> {
  'payment.received': { amount: number; currency: string; key: string; provider: string };
  'payment.mismatch': AlertValues & { order: number; provider: string; reason: string };
  'payment.refused': AlertValues & { order: number; provider: string; reason: string };
  'webhook.dead_letter': { url: string; error: string };
  'backup.failed': { job: string; error: string };
  'job.failed': { job: string; error: string };
  /** A node stopped answering for a few cycles in a row, or answers again. */
  'node.down': { node: string; error: string | null };
  'node.up': { node: string; error: null };
  /** A node showed another host key than the pinned one: refused, the node is down until a person acts. */
  'node.host_key_changed': { node: string; pinned: string; seen: string };
  'telegram.restored': { seconds: number; reason: string };
  error: { error: string };
}
export type AlertType = keyof AlertData;

/** An alert every admin receives in their own language (`admin.alert`). */
export type AdminAlert = {
  [T in AlertType]: { type: T; severity: Severity; data?: AlertData[T] };
}[AlertType];

/** Outgoing webhook event types (docs/API.md). */
export type WebhookEventType =
  | `user.${'created' | 'modified' | 'deleted' | 'revoked' | 'traffic_reset' | 'first_connected'}`
  | `user.${'disabled' | 'enabled' | 'limited' | 'expired'}`
  | 'payment.succeeded';

/** Every outbox kind with its payload. */
export interface OutboxMessages {
  'owner.notice': OwnerNotice;
  'admin.key_request': KeyRequestMessage;
  'admin.alert': AdminAlert;
  /** A scheduled backup archive sent to the owners. */
  'owner.backup': BackupResult;
  /** One webhook event, fanned out into one delivery per URL. */
  'webhook.event': { event: WebhookEventType; data: unknown };
  'webhook.delivery': { url: string; body: string };
}
export type OutboxKind = keyof OutboxMessages;

/** Key statuses the limits job moves a key to, each recorded as `key.<reason>`. */
export type KeyTransition = 'activated' | 'expired' | 'limited';

/** Every type of the event log. */
export type EventType =
  | CoreEventType
  | 'core.restart_requested'
  | `key.${
      | 'created'
      | 'deleted'
      | 'kicked'
      | 'traffic_reset'
      | 'renewed'
      | 'grant_revoked'
      | 'limit_set'
      | 'modified'
      | 'disabled'
      | 'enabled'
      | 'note_set'
      | 'link_sent'
      | KeyTransition}`
  | `key_request.${'created' | 'approved' | 'rejected'}`
  | `admin.${'added' | 'removed'}`
  | `apikey.${'created' | 'modified' | 'revoked' | 'deleted'}`
  | `invite.${'created' | 'redeemed' | 'deactivated'}`
  | `backup.${'created' | 'restored'}`
  | `broadcast.${'started' | 'cancelled' | 'resumed' | 'finished'}`
  | `payment.${'succeeded' | 'refunded' | 'refused' | 'mismatch'}`
  | `plan.${'created' | 'modified'}`
  | `promo.${'created' | 'modified'}`
  | `node.${'created' | 'modified' | 'enabled' | 'disabled' | 'removed' | 'down' | 'up' | 'host_key_changed' | 'core_restarted'}`
  | 'settings.changed'
  | 'security.admin_refused'
  | `telegram.${'lost' | 'restored'}`;

/**
 * The default of an exhaustive switch: a case left out does not compile. At run time it
 * answers null (a row queued by another version of xkeeper).
 */
export function unhandled(_value: never): null {
  return null;
}
