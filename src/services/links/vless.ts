/** VLESS servers as share links describe them: the common input of every subscription format. */

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
  spiderX: string | null;
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
    spiderX: q.get('spx'),
    flow: q.get('flow'),
  };
}

/** Names clients can tell apart: a repeated one, or one in `reserved`, gets a number. */
export function numberRepeats(names: readonly string[], reserved: readonly string[] = []): string[] {
  const seen = new Map<string, number>(reserved.map((name) => [name, 1]));
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name} ${n}`;
  });
}

/** The servers under names clients can tell apart, none named like one of the profile's groups. */
export function uniqueNames(
  servers: readonly VlessServer[],
  reserved: readonly string[] = [],
): VlessServer[] {
  const names = numberRepeats(
    servers.map((s) => s.name),
    reserved,
  );
  return servers.map((s, i) => (names[i] === s.name ? s : { ...s, name: names[i]! }));
}

/**
 * A server that carries no traffic, only a name: what a stopped key's subscription lists so
 * the app shows why (clients skip port 0 and 1 entries when testing, and nothing answers there).
 */
export function noticeServer(name: string): VlessServer {
  return {
    name,
    uuid: '00000000-0000-0000-0000-000000000000',
    server: '0.0.0.0',
    port: 1,
    network: 'tcp',
    security: 'none',
    sni: null,
    fingerprint: null,
    publicKey: null,
    shortId: null,
    spiderX: null,
    flow: null,
  };
}

/** The share link of `server` (the inverse of {@link parseVlessLink}). */
export function toVlessLink(s: VlessServer): string {
  const host = s.server.includes(':') ? `[${s.server}]` : s.server;
  const params = new URLSearchParams({ type: s.network, encryption: 'none', security: s.security });
  const optional: Array<[string, string | null]> = [
    ['sni', s.sni],
    ['fp', s.fingerprint],
    ['pbk', s.publicKey],
    ['sid', s.shortId],
    ['spx', s.spiderX],
    ['flow', s.flow],
  ];
  for (const [name, value] of optional) if (value !== null) params.set(name, value);
  return `vless://${s.uuid}@${host}:${s.port}?${params.toString().replace(/\+/g, '%20')}#${encodeURIComponent(s.name)}`;
}
