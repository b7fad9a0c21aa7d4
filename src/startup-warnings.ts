/**
 * Settings that start fine but trap an operator later: each is logged once at start-up, in
 * words that say what will go wrong and what to set. (The core's own traps, a missing binary
 * and V2Fly instead of Xray, are reported by the core adapter when it looks for the binary.)
 */
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { isLoopbackHost } from './loopback.ts';
import type { Services } from './services/index.ts';

/** The warnings `config` and the database call for (empty when all is well). */
export function startupWarnings(config: Readonly<Config>, services: Services): string[] {
  const warnings: string[] = [];
  if (config.KEY_REQUEST_POLICY === 'approval' && services.admins.listAdmins().length === 0) {
    warnings.push(
      'KEY_REQUEST_POLICY=approval but there is no owner or admin to approve key requests: they would go ' +
        'nowhere. Put your Telegram user id into ADMIN_IDS (or run `npx xkeeper admin add ID`).',
    );
  }
  if (!config.PUBLIC_URL || isLoopbackHost(new URL(config.publicUrl).hostname)) {
    warnings.push(
      `PUBLIC_URL is ${config.PUBLIC_URL ? 'on loopback' : 'not set'} (${config.publicUrl}): subscription ` +
        "links would point at this machine's loopback, which no user's device can reach. Set PUBLIC_URL " +
        'to the address users reach, e.g. https://vpn.example.com.',
    );
  }
  if (isLoopbackHost(config.vlessHost) || config.vlessHost === '0.0.0.0' || config.vlessHost === '::') {
    warnings.push(
      `Share links would send VPN clients to ${config.vlessHost}${config.VLESS_HOST ? '' : ' (VLESS_HOST not set)'}, ` +
        "which no user's device can reach. Set VLESS_HOST to this server's public address or domain name.",
    );
  }
  return warnings;
}

/** Logs each start-up warning once. */
export function warnAboutTraps(config: Readonly<Config>, services: Services, logger: Logger): void {
  for (const warning of startupWarnings(config, services)) logger.warn(warning);
}
