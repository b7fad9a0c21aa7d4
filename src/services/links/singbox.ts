/**
 * sing-box profiles (SFA, SFI, SFM, SFT, Karing): TUN and a local mixed port, every server
 * behind a selector, rule actions instead of the special outbounds 1.11 deprecated, and DNS
 * resolved through the tunnel. Several servers also get an automatic (urltest) choice.
 */
import { URL_TEST_URL } from './clash.ts';
import { uniqueNames, type VlessServer } from './vless.ts';

export const SINGBOX_SELECTOR = 'proxy';
/** With several servers: the urltest outbound that picks the fastest one (the selector's default). */
export const SINGBOX_AUTO = 'auto';

/** The selector over the servers; with several, the urltest outbound first and by default. */
function groupsOf(names: readonly string[]) {
  if (names.length < 2) {
    return [
      {
        type: 'selector',
        tag: SINGBOX_SELECTOR,
        outbounds: [...names],
        ...(names[0] ? { default: names[0] } : {}),
      },
    ];
  }
  return [
    { type: 'selector', tag: SINGBOX_SELECTOR, outbounds: [SINGBOX_AUTO, ...names], default: SINGBOX_AUTO },
    {
      type: 'urltest',
      tag: SINGBOX_AUTO,
      outbounds: [...names],
      url: URL_TEST_URL,
      interval: '5m',
      tolerance: 50,
    },
  ];
}

function outboundOf(s: VlessServer) {
  return {
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
  };
}

/**
 * DNS: queries go to DNS over TLS through the selector (no leak to the local network); the
 * VPN servers' own names are resolved by the system, as the tunnel needs them to come up.
 * sing-box 1.12 has typed servers and `domain_resolver`; 1.11 reads only the legacy form.
 */
function dnsOf(legacy: boolean) {
  if (legacy) {
    return {
      servers: [
        { tag: 'remote', address: 'tls://1.1.1.1', detour: SINGBOX_SELECTOR },
        { tag: 'local', address: 'local' },
      ],
      rules: [{ outbound: 'any', server: 'local' }],
      final: 'remote',
    };
  }
  return {
    servers: [
      { type: 'tls', tag: 'remote', server: '1.1.1.1', detour: SINGBOX_SELECTOR },
      { type: 'local', tag: 'local' },
    ],
    final: 'remote',
  };
}

/** A sing-box profile for 1.12+ (or, with `legacy`, for 1.11). */
export function toSingBoxJson(servers: readonly VlessServer[], options: { legacy?: boolean } = {}): string {
  const legacy = options.legacy === true;
  const named = uniqueNames(servers, [SINGBOX_SELECTOR, SINGBOX_AUTO, 'direct']);
  const profile = {
    log: { level: 'warn' },
    dns: dnsOf(legacy),
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
      ...groupsOf(named.map((s) => s.name)),
      ...named.map(outboundOf),
      { type: 'direct', tag: 'direct' },
    ],
    route: {
      auto_detect_interface: true,
      ...(legacy ? {} : { default_domain_resolver: 'local' }),
      final: SINGBOX_SELECTOR,
      rules: [
        { action: 'sniff' },
        { protocol: 'dns', action: 'hijack-dns' },
        { ip_is_private: true, outbound: 'direct' },
      ],
    },
  };
  return `${JSON.stringify(profile, null, 2)}\n`;
}
