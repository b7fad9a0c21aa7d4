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

/** `vless://UUID@HOST:PORT?…#NAME` for `user`. */
export function vlessShareLink(user: CoreUser, endpoint: LinkEndpoint): string {
  const host = isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host;
  const params = new URLSearchParams({ type: 'tcp', encryption: 'none' });
  if (endpoint.reality) {
    const { sni, publicKey, shortId } = endpoint.reality;
    params.set('security', 'reality');
    params.set('sni', sni);
    params.set('fp', 'chrome');
    params.set('pbk', publicKey);
    params.set('sid', shortId);
    params.set('spx', '/');
    params.set('flow', VISION_FLOW);
  } else {
    params.set('security', 'none');
  }
  // URLSearchParams writes spaces as "+", which some clients keep literally: use %20.
  const query = params.toString().replace(/\+/g, '%20');
  return `vless://${user.uuid}@${host}:${endpoint.port}?${query}#${encodeURIComponent(user.name)}`;
}
