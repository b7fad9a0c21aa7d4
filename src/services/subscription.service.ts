/**
 * Subscriptions: what VPN clients fetch from `/sub/{token}`. Every format is built from
 * the key's share links (src/services/links/): base64 of the links, Clash Meta (mihomo)
 * or Stash YAML, a sing-box profile or Xray JSON, plus the usage figures and profile
 * metadata clients show from the response headers. A stopped key (disabled, expired,
 * limited) gets no working link, only an entry and an announcement that say why.
 */
import { timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { keys, type Key, type KeyStatus } from '../db/schema.ts';
import { AppError } from './errors.ts';
import { subscriptionUrl, toUserJson, type UserJson } from './key-view.ts';
import { toClashYaml } from './links/clash.ts';
import { NODE_IDS_COLUMN, parseNodeIds, type KeyLinks, type LinkKey } from './links/node-links.ts';
import { toSingBoxJson } from './links/singbox.ts';
import { isLegacySingBox, type SubscriptionFormat } from './links/user-agent.ts';
import { noticeServer, parseVlessLink, toVlessLink, type VlessServer } from './links/vless.ts';
import { toXrayJson } from './links/xray-json.ts';
import type { SettingsService } from './settings.service.ts';

export { toClashYaml } from './links/clash.ts';
export { toSingBoxJson } from './links/singbox.ts';
export { formatForUserAgent, SUBSCRIPTION_FORMATS, type SubscriptionFormat } from './links/user-agent.ts';
export { parseVlessLink, type VlessServer } from './links/vless.ts';
export { toXrayJson } from './links/xray-json.ts';

/** Hours between client refreshes, announced in `profile-update-interval`. */
export const UPDATE_INTERVAL_HOURS = 12;

/** Statuses whose subscription carries no working link. */
export const STOPPED_STATUSES = ['disabled', 'expired', 'limited'] as const;
export type StoppedStatus = (typeof STOPPED_STATUSES)[number];

export function isStopped(status: KeyStatus): status is StoppedStatus {
  return (STOPPED_STATUSES as readonly string[]).includes(status);
}

/** The base64 body: the links, one per line. */
export function toBase64(links: readonly string[]): string {
  return Buffer.from(links.join('\n'), 'utf8').toString('base64');
}

const CONTENT_TYPES: Record<SubscriptionFormat, string> = {
  base64: 'text/plain; charset=utf-8',
  clash: 'text/yaml; charset=utf-8',
  stash: 'text/yaml; charset=utf-8',
  singbox: 'application/json; charset=utf-8',
  xray: 'application/json; charset=utf-8',
};

/** The body of `format` for `servers`; base64 keeps the links as the core wrote them. */
function renderServers(
  format: SubscriptionFormat,
  links: readonly string[],
  servers: readonly VlessServer[],
  userAgent: string | undefined,
): string {
  switch (format) {
    case 'base64':
      return toBase64(links);
    case 'clash':
      return toClashYaml(servers, 'mihomo');
    case 'stash':
      return toClashYaml(servers, 'stash');
    case 'singbox':
      return toSingBoxJson(servers, { legacy: isLegacySingBox(userAgent) });
    case 'xray':
      return toXrayJson(servers);
  }
}

/** Usage as `subscription-userinfo` carries it: bytes, total 0 = unlimited, expire unix seconds (0 = never). */
export interface SubscriptionUsage {
  upload: number;
  download: number;
  total: number;
  expire: number;
}

export function userinfoHeader(u: SubscriptionUsage): string {
  return `upload=${u.upload}; download=${u.download}; total=${u.total}; expire=${u.expire}`;
}

/** `@name`, `t.me/name` or an http(s) URL → a URL clients can open; anything else → null. */
export function supportUrl(contact: string | undefined): string | null {
  const text = (contact ?? '').trim();
  if (/^@[A-Za-z0-9_]{3,64}$/.test(text)) return `https://t.me/${text.slice(1)}`;
  if (/^t\.me\/[A-Za-z0-9_]{3,64}$/.test(text)) return `https://${text}`;
  if (/^https?:\/\/[^\s"<>]+$/.test(text)) return text;
  return null;
}

/** What `/sub/{token}/info` answers: the owner's view of the key (no admin note or owner id). */
export type SubscriptionInfo = Pick<
  UserJson,
  | 'username'
  | 'status'
  | 'upload_bytes'
  | 'download_bytes'
  | 'used_bytes'
  | 'lifetime_used_bytes'
  | 'traffic_limit_bytes'
  | 'expire_at'
  | 'reset_strategy'
  | 'online_at'
  | 'subscription_url'
  | 'links'
> & { support_url: string | null };

/** What answering a client's fetch of its subscription reads of the key. */
export type SubscriptionKey = Pick<
  Key,
  | 'id'
  | 'name'
  | 'uuid'
  | 'subToken'
  | 'status'
  | 'uploadBytes'
  | 'downloadBytes'
  | 'trafficLimitBytes'
  | 'expireAt'
> & { nodeIds: number[] };

/** The key of `token`, compared in constant time. @throws AppError SUBSCRIPTION_NOT_FOUND */
function checkToken<K extends { subToken: string }>(token: string, key: K | undefined): K {
  const a = Buffer.from(token);
  if (!key || a.length !== key.subToken.length || !timingSafeEqual(a, Buffer.from(key.subToken))) {
    throw new AppError('SUBSCRIPTION_NOT_FOUND', 'no such subscription');
  }
  return key;
}

export function createSubscriptionService(deps: {
  db: Db;
  config: Readonly<Config>;
  settings: SettingsService;
  links: KeyLinks;
}) {
  const { db, config, settings } = deps;
  const view = (key: Key) => toUserJson(key, { publicUrl: config.publicUrl, links: deps.links });
  // Every client polls its subscription: the lookups are prepared once (on first use, after migrations).
  let byTokenQuery: { get(params: { token: string }): Key | undefined } | undefined;
  const byToken = (token: string) =>
    (byTokenQuery ??= db
      .select()
      .from(keys)
      .where(eq(keys.subToken, sql.placeholder('token')))
      .prepare()).get({ token });
  // The polls themselves read only what the body and its headers show (half the cost of a whole row).
  let forClientQuery: { get(params: { token: string }): SubscriptionKey | undefined } | undefined;
  const forClient = (token: string) =>
    (forClientQuery ??= db
      .select({
        id: keys.id,
        name: keys.name,
        uuid: keys.uuid,
        subToken: keys.subToken,
        status: keys.status,
        uploadBytes: keys.uploadBytes,
        downloadBytes: keys.downloadBytes,
        trafficLimitBytes: keys.trafficLimitBytes,
        expireAt: keys.expireAt,
        nodeIds: sql.raw(NODE_IDS_COLUMN).mapWith(parseNodeIds),
      })
      .from(keys)
      .where(eq(keys.subToken, sql.placeholder('token')))
      .prepare()).get({ token });

  return {
    /**
     * The key of a subscription token.
     * @throws AppError SUBSCRIPTION_NOT_FOUND for an unknown token.
     */
    resolve(token: string): Key {
      return checkToken(token, token.length <= 64 ? byToken(token) : undefined);
    },

    /**
     * What a VPN client's fetch needs of the key of a token (see `render`, `usage`, `profile`).
     * @throws AppError SUBSCRIPTION_NOT_FOUND for an unknown token.
     */
    resolveForClient(token: string): SubscriptionKey {
      return checkToken(token, token.length <= 64 ? forClient(token) : undefined);
    },

    /** The key's share links: one per enabled node it is on, a node down too long left out. */
    links(key: LinkKey): string[] {
      return deps.links.links(key);
    },

    usage(
      key: Pick<Key, 'uploadBytes' | 'downloadBytes' | 'trafficLimitBytes' | 'expireAt'>,
    ): SubscriptionUsage {
      return {
        upload: key.uploadBytes,
        download: key.downloadBytes,
        total: key.trafficLimitBytes ?? 0,
        expire: key.expireAt ? Math.floor(key.expireAt.getTime() / 1000) : 0,
      };
    },

    /**
     * Profile metadata clients show: title, refresh interval, support and web page links, and
     * the admin's announcement (empty = none).
     */
    profile(key: Pick<Key, 'name' | 'subToken'>) {
      return {
        title: `${key.name} · ${config.vlessHost}`,
        updateIntervalHours: UPDATE_INTERVAL_HOURS,
        supportUrl: supportUrl(settings.get('supportContact')),
        webPageUrl: subscriptionUrl(config.publicUrl, key),
        announce: settings.get('subscriptionAnnounce') ?? '',
      };
    },

    /**
     * The body of one format with its content type. A stopped key gets one entry that
     * connects nowhere, named `notice` (the reason in the reader's language, else its status),
     * so the app shows why instead of a dead server.
     */
    render(
      key: LinkKey & Pick<Key, 'status'>,
      format: SubscriptionFormat,
      options: { userAgent?: string; notice?: string } = {},
    ): { body: string; contentType: string } {
      let links: string[];
      let servers: VlessServer[];
      if (isStopped(key.status)) {
        servers = [noticeServer(options.notice ?? key.status)];
        links = servers.map(toVlessLink);
      } else {
        links = this.links(key);
        servers = links.map(parseVlessLink).filter((s): s is VlessServer => s !== null);
      }
      return {
        body: renderServers(format, links, servers, options.userAgent),
        contentType: CONTENT_TYPES[format],
      };
    },

    info(key: Key): SubscriptionInfo {
      const v = view(key);
      return {
        username: v.username,
        status: v.status,
        upload_bytes: v.upload_bytes,
        download_bytes: v.download_bytes,
        used_bytes: v.used_bytes,
        lifetime_used_bytes: v.lifetime_used_bytes,
        traffic_limit_bytes: v.traffic_limit_bytes,
        expire_at: v.expire_at,
        reset_strategy: v.reset_strategy,
        online_at: v.online_at,
        subscription_url: v.subscription_url,
        links: v.links,
        support_url: supportUrl(settings.get('supportContact')),
      };
    },
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
