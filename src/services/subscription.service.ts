/**
 * Subscriptions: what VPN clients fetch from `/sub/{token}`. Every format is built from
 * the key's share links: base64 of the links (v2rayN, v2rayNG, Hiddify, Streisand…),
 * Clash Meta YAML (Clash Verge, mihomo, Stash) or a sing-box profile, plus the usage
 * figures clients show from the `subscription-userinfo` header.
 */
import { timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import YAML from 'yaml';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { keys, type Key } from '../db/schema.ts';
import type { CorePort } from './core-port.ts';
import { AppError } from './errors.ts';
import { shareLinks, subscriptionUrl, toUserJson, type UserJson } from './key-view.ts';
import type { SettingsService } from './settings.service.ts';

export type SubscriptionFormat = 'base64' | 'clash' | 'singbox';

/** Hours between client refreshes, announced in `profile-update-interval`. */
export const UPDATE_INTERVAL_HOURS = 12;

/**
 * The format a client wants, from its User-Agent. Hiddify names ClashMeta and sing-box in
 * its agent but imports base64 best, so it is checked first.
 */
export function formatForUserAgent(userAgent: string | undefined): SubscriptionFormat {
  const ua = userAgent ?? '';
  if (/hiddify/i.test(ua)) return 'base64';
  if (/clash|mihomo|stash/i.test(ua)) return 'clash';
  if (/sing-?box|^SF[AIMT]\//i.test(ua)) return 'singbox';
  return 'base64';
}

/** One VLESS server as a share link describes it. */
export interface VlessServer {
  name: string;
  uuid: string;
  server: string;
  port: number;
  network: string;
  security: 'reality' | 'tls' | 'none';
  sni: string | null;
  fingerprint: string | null;
  publicKey: string | null;
  shortId: string | null;
  flow: string | null;
}

/** Reads a `vless://` share link; null for anything else. */
export function parseVlessLink(link: string): VlessServer | null {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== 'vless:' || !url.username || !url.hostname) return null;
  const q = url.searchParams;
  const security = q.get('security');
  return {
    name: decodeURIComponent(url.hash.slice(1)) || url.hostname,
    uuid: decodeURIComponent(url.username),
    server: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 443),
    network: q.get('type') ?? 'tcp',
    security: security === 'reality' || security === 'tls' ? security : 'none',
    sni: q.get('sni'),
    fingerprint: q.get('fp'),
    publicKey: q.get('pbk'),
    shortId: q.get('sid'),
    flow: q.get('flow'),
  };
}

/** Names clients can tell apart: a repeated name gets a number. */
function uniqueNames(servers: VlessServer[]): VlessServer[] {
  const seen = new Map<string, number>();
  return servers.map((s) => {
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    return n === 1 ? s : { ...s, name: `${s.name} ${n}` };
  });
}

/** The base64 body: the links, one per line. */
export function toBase64(links: readonly string[]): string {
  return Buffer.from(links.join('\n'), 'utf8').toString('base64');
}

/** A Clash Meta (mihomo) profile with one selector over the servers. */
export function toClashYaml(servers: VlessServer[]): string {
  const named = uniqueNames(servers);
  const proxies = named.map((s) => ({
    name: s.name,
    type: 'vless',
    server: s.server,
    port: s.port,
    uuid: s.uuid,
    network: s.network,
    udp: true,
    tls: s.security !== 'none',
    ...(s.flow ? { flow: s.flow } : {}),
    ...(s.sni ? { servername: s.sni } : {}),
    ...(s.fingerprint ? { 'client-fingerprint': s.fingerprint } : {}),
    ...(s.security === 'reality'
      ? { 'reality-opts': { 'public-key': s.publicKey ?? '', 'short-id': s.shortId ?? '' } }
      : {}),
  }));
  return YAML.stringify({
    'mixed-port': 7890,
    'allow-lan': false,
    mode: 'rule',
    'log-level': 'warning',
    proxies,
    'proxy-groups': [{ name: 'PROXY', type: 'select', proxies: named.map((s) => s.name) }],
    rules: [
      'IP-CIDR,127.0.0.0/8,DIRECT,no-resolve',
      'IP-CIDR,10.0.0.0/8,DIRECT,no-resolve',
      'IP-CIDR,172.16.0.0/12,DIRECT,no-resolve',
      'IP-CIDR,192.168.0.0/16,DIRECT,no-resolve',
      'MATCH,PROXY',
    ],
  });
}

/** A sing-box (1.11+) profile: TUN and a local mixed port, every server behind a selector. */
export function toSingBoxJson(servers: VlessServer[]): string {
  const named = uniqueNames(servers);
  const outbounds = named.map((s) => ({
    type: 'vless',
    tag: s.name,
    server: s.server,
    server_port: s.port,
    uuid: s.uuid,
    ...(s.flow ? { flow: s.flow } : {}),
    packet_encoding: 'xudp',
    ...(s.security === 'none'
      ? {}
      : {
          tls: {
            enabled: true,
            ...(s.sni ? { server_name: s.sni } : {}),
            utls: { enabled: true, fingerprint: s.fingerprint ?? 'chrome' },
            ...(s.security === 'reality'
              ? { reality: { enabled: true, public_key: s.publicKey ?? '', short_id: s.shortId ?? '' } }
              : {}),
          },
        }),
  }));
  const profile = {
    log: { level: 'warn' },
    inbounds: [
      {
        type: 'tun',
        tag: 'tun-in',
        address: ['172.19.0.1/30', 'fdfe:dcba:9876::1/126'],
        auto_route: true,
        strict_route: true,
      },
      { type: 'mixed', tag: 'mixed-in', listen: '127.0.0.1', listen_port: 2080 },
    ],
    outbounds: [
      { type: 'selector', tag: 'proxy', outbounds: named.map((s) => s.name), default: named[0]?.name },
      ...outbounds,
      { type: 'direct', tag: 'direct' },
    ],
    route: {
      auto_detect_interface: true,
      final: 'proxy',
      rules: [
        { action: 'sniff' },
        { protocol: 'dns', action: 'hijack-dns' },
        { ip_is_private: true, outbound: 'direct' },
      ],
    },
  };
  return `${JSON.stringify(profile, null, 2)}\n`;
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
  'name' | 'uuid' | 'subToken' | 'uploadBytes' | 'downloadBytes' | 'trafficLimitBytes' | 'expireAt'
>;

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
  getCore: () => CorePort;
}) {
  const { db, config, settings, getCore } = deps;
  const view = (key: Key) => toUserJson(key, { publicUrl: config.publicUrl, core: getCore() });
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
        name: keys.name,
        uuid: keys.uuid,
        subToken: keys.subToken,
        uploadBytes: keys.uploadBytes,
        downloadBytes: keys.downloadBytes,
        trafficLimitBytes: keys.trafficLimitBytes,
        expireAt: keys.expireAt,
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

    /** The key's share links (one per core once there are several). */
    links(key: Pick<Key, 'name' | 'uuid'>): string[] {
      return shareLinks(key, getCore());
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

    /** Profile metadata clients show: title, refresh interval, support and web page links. */
    profile(key: Pick<Key, 'name' | 'subToken'>) {
      return {
        title: `${key.name} · ${config.vlessHost}`,
        updateIntervalHours: UPDATE_INTERVAL_HOURS,
        supportUrl: supportUrl(settings.get('supportContact')),
        webPageUrl: subscriptionUrl(config.publicUrl, key),
      };
    },

    /** The body of one format with its content type. */
    render(
      key: Pick<Key, 'name' | 'uuid'>,
      format: SubscriptionFormat,
    ): { body: string; contentType: string } {
      const links = this.links(key);
      if (format === 'base64') return { body: toBase64(links), contentType: 'text/plain; charset=utf-8' };
      const servers = links.map(parseVlessLink).filter((s): s is VlessServer => s !== null);
      return format === 'clash'
        ? { body: toClashYaml(servers), contentType: 'text/yaml; charset=utf-8' }
        : { body: toSingBoxJson(servers), contentType: 'application/json; charset=utf-8' };
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
