/**
 * The subscription format a VPN client reads, told by its User-Agent the way the leading
 * panels (Remnawave, Marzban) tell it. See shared/reference/nodes.md.
 */

export const SUBSCRIPTION_FORMATS = ['base64', 'clash', 'stash', 'singbox', 'xray'] as const;
export type SubscriptionFormat = (typeof SUBSCRIPTION_FORMATS)[number];

/** Major.minor.patch of the first `name/x.y.z` (or `name x.y.z`) in the agent; null without one. */
function versionAfter(ua: string, name: RegExp): number[] | null {
  const match = new RegExp(`${name.source}[/ v]*(\\d+(?:\\.\\d+){0,2})`, 'i').exec(ua);
  return match ? match[1]!.split('.').map(Number) : null;
}

/** Whether `version` is at least `min` (missing parts count as 0). */
function atLeast(version: number[], min: number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = version[i] ?? 0;
    if (a !== min[i]) return a > min[i]!;
  }
  return true;
}

/** Clients that import Xray JSON (full client configs), from the version that does. */
const XRAY_JSON_CLIENTS: Array<{ name: RegExp; since?: number[] }> = [
  { name: /v2rayNG/, since: [1, 8, 29] },
  { name: /v2rayN(?!G)/, since: [6, 40] },
  { name: /Happ/, since: [1, 63, 1] },
  { name: /Streisand/ },
  { name: /V2Box/ },
  { name: /INCY/ },
];

const MIHOMO =
  /flclash|flowvy|mihomo|clash[-. ]?verge|nyanpasu|clashx[ .-]?meta|clash\.?meta|koala-clash|prizrak-box|murge/i;

/**
 * The format a client wants, from its User-Agent. Hiddify names ClashMeta and sing-box in
 * its agent but imports base64 best, so it is checked first; an unknown agent gets base64.
 */
export function formatForUserAgent(userAgent: string | undefined): SubscriptionFormat {
  const ua = userAgent ?? '';
  if (/hiddify/i.test(ua)) return 'base64';
  if (MIHOMO.test(ua)) return 'clash';
  if (/stash/i.test(ua)) return 'stash';
  if (/\b(sf[aimt]|karing|sing-?box)\b/i.test(ua)) return 'singbox';
  if (/clash/i.test(ua)) return 'clash';
  for (const { name, since } of XRAY_JSON_CLIENTS) {
    if (!name.test(ua)) continue;
    const version = versionAfter(ua, name);
    return !since || (version && atLeast(version, since)) ? 'xray' : 'base64';
  }
  return 'base64';
}

/**
 * Whether a sing-box client is older than 1.12 (its agent says `sing-box 1.11.x` or
 * `SFA/1.11.x`): those read only the legacy DNS server format, which 1.12 deprecates.
 */
export function isLegacySingBox(userAgent: string | undefined): boolean {
  const version = versionAfter(userAgent ?? '', /\b(?:sing-?box|SF[AIMT])/);
  return version !== null && !atLeast(version, [1, 12]);
}
