/**
 * Renders the core's config.json from settings and users. Pure: the same input gives the same
 * JSON, so it is snapshot-tested for both flavors and its hash identifies a running core.
 */
import { createHash } from 'node:crypto';
import { compareVersions, type FlavorName, supportsReality } from './flavor.ts';

/**
 * Oldest client version a REALITY inbound accepts. Xray 26.7.11+ reads an empty value as
 * 26.3.27, which locks out sing-box, mihomo and older apps: 1.0.0 lets every client in.
 */
export const DEFAULT_MIN_CLIENT_VER = '1.0.0';

/** A VPN account as the core sees it: the email is the account name. */
export interface CoreUser {
  name: string;
  uuid: string;
}

/** The core's own log levels. */
export type CoreLogLevel = 'debug' | 'info' | 'warning' | 'error' | 'none';

/** REALITY settings of the VLESS inbound (Xray only). */
export interface RealitySettings {
  /** X25519 private key, unpadded base64url. */
  privateKey: string;
  /** Hex short ids clients may present; the first one goes into share links. */
  shortIds: string[];
  /** Server name clients put in their ClientHello. */
  sni: string;
  /** "host:port" whose TLS handshake REALITY borrows. */
  target: string;
  /** Oldest client version accepted (default {@link DEFAULT_MIN_CLIENT_VER}: every REALITY client). */
  minClientVer?: string;
}

/** Everything of the config that is not a user. */
export interface CoreSettings {
  flavor: FlavorName;
  apiPort: number;
  vlessPort: number;
  reality: RealitySettings;
  blockPrivateNetworks: boolean;
  logLevel: CoreLogLevel;
}

export interface RenderInput {
  settings: CoreSettings;
  users: readonly CoreUser[];
}

/** The rendered config: plain JSON. */
export type CoreConfig = Record<string, unknown>;

/** Inbound tag of the VLESS inbound, used by AlterInbound. */
export const VLESS_TAG = 'vless';
/** Inbound and outbound tag of the gRPC API. */
export const API_TAG = 'api';
export const VISION_FLOW = 'xtls-rprx-vision';

/**
 * Private, loopback, link-local and reserved ranges. Listed explicitly rather than as
 * `geoip:private` because a core without geoip.dat (Debian's v2ray, a bare Xray binary)
 * would refuse the config.
 */
export const PRIVATE_CIDRS = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

/**
 * This machine itself: loopback (where the core's unauthenticated gRPC API and xkeeper's HTTP
 * API listen) and "this network" (0.0.0.0 reaches loopback on Linux). VPN traffic never goes
 * there, whatever BLOCK_PRIVATE_NETWORKS says. (The cores read IPv4-mapped IPv6 as IPv4.)
 */
export const LOOPBACK_CIDRS = ['0.0.0.0/8', '127.0.0.0/8', '::/128', '::1/128'];

function vlessClient(flavor: FlavorName, user: CoreUser): Record<string, unknown> {
  const client: Record<string, unknown> = { id: user.uuid, email: user.name, level: 0 };
  if (supportsReality(flavor)) client.flow = VISION_FLOW;
  return client;
}

function vlessInbound(settings: CoreSettings, users: readonly CoreUser[]): CoreConfig {
  const inbound: CoreConfig = {
    tag: VLESS_TAG,
    port: settings.vlessPort,
    protocol: 'vless',
    settings: {
      clients: users.map((user) => vlessClient(settings.flavor, user)),
      decryption: 'none',
    },
  };
  if (!supportsReality(settings.flavor)) {
    inbound.streamSettings = { network: 'tcp', security: 'none' };
    return inbound;
  }
  const { reality } = settings;
  inbound.streamSettings = {
    network: 'tcp',
    security: 'reality',
    realitySettings: {
      show: false,
      // `dest` is understood by every Xray with REALITY; newer ones also call it `target`.
      dest: reality.target,
      xver: 0,
      serverNames: [reality.sni],
      privateKey: reality.privateKey,
      shortIds: reality.shortIds,
      // Always explicit: since Xray 26.7.11 an empty value means 26.3.27 and locks out
      // sing-box, mihomo and older apps.
      minClientVer: reality.minClientVer ?? DEFAULT_MIN_CLIENT_VER,
    },
  };
  return inbound;
}

/** Renders the full core config for `input`. */
export function renderCoreConfig(input: RenderInput): CoreConfig {
  const { settings, users } = input;
  const xray = settings.flavor === 'xray';
  const blocked = settings.blockPrivateNetworks
    ? [...PRIVATE_CIDRS, ...LOOPBACK_CIDRS.slice(4)]
    : LOOPBACK_CIDRS;
  const rules: CoreConfig[] = [
    { type: 'field', inboundTag: [API_TAG], outboundTag: API_TAG },
    { type: 'field', ip: blocked, outboundTag: 'block' },
  ];
  return {
    log: { loglevel: settings.logLevel, access: 'none' },
    api: { tag: API_TAG, services: ['HandlerService', 'StatsService'] },
    stats: {},
    policy: {
      levels: {
        '0': {
          statsUserUplink: true,
          statsUserDownlink: true,
          ...(xray ? { statsUserOnline: true } : {}),
        },
      },
      system: { statsInboundUplink: true, statsInboundDownlink: true },
    },
    inbounds: [
      {
        tag: API_TAG,
        listen: '127.0.0.1',
        port: settings.apiPort,
        protocol: 'dokodemo-door',
        settings: { address: '127.0.0.1' },
      },
      vlessInbound(settings, users),
    ],
    outbounds: [
      { tag: 'direct', protocol: 'freedom' },
      { tag: 'block', protocol: 'blackhole' },
    ],
    routing: {
      // Resolve domains when no domain rule matched, so a name pointing at loopback (or at a
      // private address) is blocked too.
      domainStrategy: 'IPIfNonMatch',
      rules,
    },
  };
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Config parts that only newer Xray versions understand (older ones ignore them silently). */
const XRAY_FEATURES: { since: string; feature: string; isUsed(config: CoreConfig): boolean }[] = [
  {
    since: '1.8.0',
    feature: 'REALITY',
    isUsed: (config) =>
      asArray(config.inbounds).some(
        (inbound) =>
          (inbound as { streamSettings?: { security?: unknown } })?.streamSettings?.security === 'reality',
      ),
  },
  {
    since: '24.11.5',
    feature: 'online users (statsUserOnline)',
    isUsed: (config) => {
      const levels = (config.policy as { levels?: Record<string, { statsUserOnline?: unknown }> })?.levels;
      return Object.values(levels ?? {}).some((level) => level?.statsUserOnline === true);
    },
  },
];

/** What a config needs of an Xray core: the oldest version that understands all of it. */
export interface CoreRequirement {
  version: string;
  feature: string;
}

/** The newest Xray version a feature of `config` needs; null when any version will do. */
export function requiredXrayVersion(config: CoreConfig): CoreRequirement | null {
  let needed: CoreRequirement | null = null;
  for (const { since, feature, isUsed } of XRAY_FEATURES) {
    if (isUsed(config) && (!needed || compareVersions(since, needed.version) > 0)) {
      needed = { version: since, feature };
    }
  }
  return needed;
}

/** The text written to disk. */
export function serializeCoreConfig(config: CoreConfig): string {
  return [...coreConfigPieces(config)].join('');
}

/**
 * The text written to disk in pieces of at most `usersPerPiece` users: installing a config of
 * 100k users from its whole text (13 MB, joined from 300k strings) raised the process's peak
 * by 30–50 MB at every write.
 */
export function* coreConfigPieces(config: CoreConfig, usersPerPiece = 1_000): Generator<string> {
  if (!(usersPerPiece >= 1)) throw new RangeError(`usersPerPiece must be 1 or more, not ${usersPerPiece}`);
  const clients = findVlessInbound(config)?.settings?.clients;
  if (!Array.isArray(clients) || clients.length === 0) {
    yield `${JSON.stringify(config, null, 2)}\n`;
    return;
  }
  // Settings indented for people; the users one compact line each: at 100k users the indented
  // form is twice the bytes and time, and its intermediate strings pressed the heap.
  const text = JSON.stringify(config, (key, value: unknown) => (value === clients ? CLIENTS_MARK : value), 2);
  const mark = JSON.stringify(CLIENTS_MARK);
  const at = text.indexOf(mark);
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const indent = ' '.repeat(text.slice(lineStart).search(/\S/) + 2);
  yield `${text.slice(0, at)}[\n`;
  for (let from = 0; from < clients.length; from += usersPerPiece) {
    const to = Math.min(from + usersPerPiece, clients.length);
    let piece = '';
    for (let i = from; i < to; i++) {
      piece += `${indent}${JSON.stringify(clients[i])}${i + 1 < clients.length ? ',\n' : '\n'}`;
    }
    yield piece;
  }
  yield `${indent.slice(2)}]${text.slice(at + mark.length)}\n`;
}

/** Stands for the clients array while the rest of a config is indented. */
const CLIENTS_MARK = '\u0000clients\u0000';

interface VlessInboundShape {
  tag?: unknown;
  settings?: { clients?: unknown };
}

function findVlessInbound(config: CoreConfig): VlessInboundShape | undefined {
  const inbounds = Array.isArray(config.inbounds) ? (config.inbounds as VlessInboundShape[]) : [];
  return inbounds.find((inbound) => inbound?.tag === VLESS_TAG);
}

/** The users written into a config (e.g. the installed file an adopted core started from). */
export function usersOfConfig(config: CoreConfig): CoreUser[] {
  const clients = findVlessInbound(config)?.settings?.clients;
  if (!Array.isArray(clients)) return [];
  return clients.flatMap((client: unknown) => {
    const { id, email } = (client ?? {}) as { id?: unknown; email?: unknown };
    return typeof id === 'string' && typeof email === 'string' ? [{ name: email, uuid: id }] : [];
  });
}

/**
 * SHA-256 of the config without its users. Users change over the API at run time, so only
 * this part decides whether a running core matches the desired settings.
 */
export function settingsHash(config: CoreConfig): string {
  // Users left out by the replacer, not a deep copy: at 100k users a copy costs ~100 ms.
  const clients = findVlessInbound(config)?.settings?.clients;
  const text = JSON.stringify(config, (_key, value: unknown) =>
    clients !== undefined && value === clients ? [] : value,
  );
  return createHash('sha256').update(text).digest('hex');
}
