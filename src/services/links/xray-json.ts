/**
 * Xray JSON: full client configs, an array with one per server, as v2rayNG (1.8.29+),
 * v2rayN (6.40+), Happ, Streisand, INCY and V2Box import them. Each names itself in
 * `remarks`; DNS goes through the tunnel like everything not private.
 */
import { uniqueNames, type VlessServer } from './vless.ts';

function streamOf(s: VlessServer) {
  if (s.security === 'reality') {
    return {
      network: s.network,
      security: 'reality',
      realitySettings: {
        serverName: s.sni ?? '',
        fingerprint: s.fingerprint ?? 'chrome',
        publicKey: s.publicKey ?? '',
        shortId: s.shortId ?? '',
        spiderX: s.spiderX ?? '/',
      },
    };
  }
  if (s.security === 'tls') {
    return {
      network: s.network,
      security: 'tls',
      tlsSettings: { serverName: s.sni ?? s.server, fingerprint: s.fingerprint ?? 'chrome' },
    };
  }
  return { network: s.network, security: 'none' };
}

/** Private and local ranges stay off the tunnel (listed, not `geoip:private`: no geo file needed). */
const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

function configOf(s: VlessServer) {
  return {
    remarks: s.name,
    log: { loglevel: 'warning' },
    dns: { servers: ['1.1.1.1', '8.8.8.8'], queryStrategy: 'UseIP' },
    inbounds: [
      {
        tag: 'socks',
        protocol: 'socks',
        listen: '127.0.0.1',
        port: 10808,
        settings: { auth: 'noauth', udp: true },
        sniffing: { enabled: true, destOverride: ['http', 'tls', 'quic'], routeOnly: true },
      },
      { tag: 'http', protocol: 'http', listen: '127.0.0.1', port: 10809 },
    ],
    outbounds: [
      {
        tag: 'proxy',
        protocol: 'vless',
        settings: {
          vnext: [
            {
              address: s.server,
              port: s.port,
              users: [{ id: s.uuid, encryption: 'none', ...(s.flow ? { flow: s.flow } : {}) }],
            },
          ],
        },
        streamSettings: streamOf(s),
      },
      { tag: 'direct', protocol: 'freedom' },
      { tag: 'block', protocol: 'blackhole' },
    ],
    routing: {
      domainStrategy: 'IPIfNonMatch',
      rules: [{ type: 'field', ip: PRIVATE_RANGES, outboundTag: 'direct' }],
    },
  };
}

export function toXrayJson(servers: readonly VlessServer[]): string {
  return `${JSON.stringify(uniqueNames(servers).map(configOf), null, 2)}\n`;
}
