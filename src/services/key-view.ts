/** A key as the HTTP API, the CLI and webhooks show it (CONTRACT.md "a user in JSON"). */
import type { Key } from '../db/schema.ts';
import type { KeyLinks, LinkKey } from './links/node-links.ts';

export interface UserJson {
  username: string;
  uuid: string;
  status: Key['status'];
  traffic_limit_bytes: number | null;
  used_bytes: number;
  upload_bytes: number;
  download_bytes: number;
  lifetime_used_bytes: number;
  expire_at: string | null;
  on_hold_duration_seconds: number | null;
  on_hold_deadline: string | null;
  reset_strategy: Key['resetStrategy'];
  last_reset_at: string | null;
  telegram_id: number | null;
  note: string | null;
  created_at: string;
  online_at: string | null;
  first_connected_at: string | null;
  subscription_url: string;
  links: string[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Subscription URL of a key. */
export function subscriptionUrl(publicUrl: string, key: Pick<Key, 'subToken'>): string {
  return `${publicUrl}/sub/${key.subToken}`;
}

/** Renders a key for the outside world. */
export function toUserJson(key: Key & LinkKey, ctx: { publicUrl: string; links: KeyLinks }): UserJson {
  return {
    username: key.name,
    uuid: key.uuid,
    status: key.status,
    traffic_limit_bytes: key.trafficLimitBytes,
    used_bytes: key.uploadBytes + key.downloadBytes,
    upload_bytes: key.uploadBytes,
    download_bytes: key.downloadBytes,
    lifetime_used_bytes: key.lifetimeUsedBytes,
    expire_at: iso(key.expireAt),
    on_hold_duration_seconds: key.onHoldDurationSeconds,
    on_hold_deadline: iso(key.onHoldDeadline),
    reset_strategy: key.resetStrategy,
    last_reset_at: iso(key.lastResetAt),
    telegram_id: key.ownerTelegramId,
    note: key.note,
    created_at: key.createdAt.toISOString(),
    online_at: iso(key.onlineAt),
    first_connected_at: iso(key.firstConnectedAt),
    subscription_url: subscriptionUrl(ctx.publicUrl, key),
    // One per node serving the key (the first is the key card's share link).
    links: ctx.links.links(key),
  };
}
