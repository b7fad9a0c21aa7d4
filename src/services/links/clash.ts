/** Clash-family YAML profiles: mihomo (Clash Meta: Clash Verge, FlClash, ClashX Meta…) and Stash. */
import YAML from 'yaml';
import { uniqueNames, type VlessServer } from './vless.ts';

/** The selector over every server, which the rules send traffic to. */
export const CLASH_GROUP = 'PROXY';
/** With several servers: the group that picks the fastest one answering (the selector's default). */
export const CLASH_AUTO_GROUP = 'AUTO';
/** What url-test groups probe (HTTP 204, as the clients' own defaults). */
export const URL_TEST_URL = 'https://www.gstatic.com/generate_204';

/** DNS over HTTPS, reached through the tunnel (`#PROXY`) so queries do not leak to the local network. */
const MIHOMO_DNS = {
  enable: true,
  ipv6: true,
  'enhanced-mode': 'fake-ip',
  'fake-ip-range': '198.18.0.1/16',
  nameserver: [`https://1.1.1.1/dns-query#${CLASH_GROUP}`, `https://8.8.8.8/dns-query#${CLASH_GROUP}`],
  // The VPN server's own name is resolved directly: the tunnel is not up yet.
  'proxy-server-nameserver': ['https://1.1.1.1/dns-query', 'https://8.8.8.8/dns-query'],
};

function proxyOf(s: VlessServer) {
  return {
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
  };
}

/**
 * The selector over the servers; with several, first the url-test group that picks the
 * fastest one answering, so the app switches away from a server that stops answering.
 */
function groupsOf(names: readonly string[]) {
  if (names.length < 2) return [{ name: CLASH_GROUP, type: 'select', proxies: [...names] }];
  return [
    { name: CLASH_GROUP, type: 'select', proxies: [CLASH_AUTO_GROUP, ...names] },
    {
      name: CLASH_AUTO_GROUP,
      type: 'url-test',
      proxies: [...names],
      url: URL_TEST_URL,
      interval: 300,
      tolerance: 50,
    },
  ];
}

/**
 * A Clash profile with one selector over the servers (and an automatic group with several). `mihomo` adds the Clash Meta parts
 * (local mixed port, DNS through the tunnel); Stash keeps its own ports and DNS.
 * Every string value is double-quoted, so no name is read as a number, boolean or date
 * (`123`, `1e3`, `yes`, `0x1F`) by any YAML version a client uses.
 */
export function toClashYaml(servers: readonly VlessServer[], flavor: 'mihomo' | 'stash' = 'mihomo'): string {
  const named = uniqueNames(servers, [CLASH_GROUP, CLASH_AUTO_GROUP, 'DIRECT', 'REJECT']);
  const profile = {
    ...(flavor === 'mihomo' ? { 'mixed-port': 7890, 'allow-lan': false } : {}),
    mode: 'rule',
    'log-level': 'warning',
    ...(flavor === 'mihomo' ? { dns: MIHOMO_DNS } : {}),
    proxies: named.map(proxyOf),
    'proxy-groups': groupsOf(named.map((s) => s.name)),
    rules: [
      'IP-CIDR,127.0.0.0/8,DIRECT,no-resolve',
      'IP-CIDR,10.0.0.0/8,DIRECT,no-resolve',
      'IP-CIDR,172.16.0.0/12,DIRECT,no-resolve',
      'IP-CIDR,192.168.0.0/16,DIRECT,no-resolve',
      `MATCH,${CLASH_GROUP}`,
    ],
  };
  return YAML.stringify(profile, {
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
    lineWidth: 0,
  });
}
