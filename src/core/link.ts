/**
 * VLESS share links as v2rayN, v2rayNG, Hiddify and Streisand read them.
 */
import { isIP } from 'node:net';
import type { CoreUser } from './config.ts';
import { VISION_FLOW } from './config.ts';

/** Where clients connect and, with REALITY, what they must present. */
export interface LinkEndpoint {
  host: string;
  port: number;
  /** Absent for a core without REALITY (V2Fly): the link says `security=none`. */
  reality?: { sni: string; publicKey: string; shortId: string };
}

/** A lone UTF-16 surrogate, which encodeURIComponent refuses (URLSearchParams writes U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `encodeURIComponent` that never throws: a lone surrogate is written as U+FFFD. */
function encode(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
}

/**
 * A query value as URLSearchParams writes it (it also escapes `!'()~`), but a space as %20:
 * URLSearchParams writes "+", which some clients keep literally. Built by hand because a
 * URLSearchParams per link cost more than the rest of a subscription poll's work for it.
 */
function queryValue(value: string): string {
  return encode(value).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `vless://UUID@HOST:PORT?…#NAME` for `user`. */
export function vlessShareLink(user: CoreUser, endpoint: LinkEndpoint): string {
  const host = isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host;
  let query = 'type=tcp&encryption=none';
  if (endpoint.reality) {
    const { sni, publicKey, shortId } = endpoint.reality;
    query +=
      `&security=reality&sni=${queryValue(sni)}&fp=chrome&pbk=${queryValue(publicKey)}` +
      `&sid=${queryValue(shortId)}&spx=%2F&flow=${queryValue(VISION_FLOW)}`;
  } else {
    query += '&security=none';
  }
  return `vless://${user.uuid}@${host}:${endpoint.port}?${query}#${encode(user.name)}`;
}
