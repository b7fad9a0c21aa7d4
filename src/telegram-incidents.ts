/**
 * The polling bot's Telegram outages as incidents, like the core's: each change is an event,
 * and the return an admin alert (while Telegram is lost, an alert could reach no one).
 */
import type { TelegramLinkChange } from './bot/connect.ts';
import type { Services } from './services/index.ts';

/** Records a change of the bot's link to Telegram; the alert at most once per 10 minutes. */
export function recordTelegramChange(services: Services, change: TelegramLinkChange): void {
  services.db.transaction((tx) => {
    if (change.state === 'unreachable') {
      services.events.record(
        { type: 'telegram.lost', severity: 'warning', actor: 'telegram', data: { reason: change.reason } },
        tx,
      );
      return;
    }
    const data = { seconds: change.downSeconds, reason: change.reason };
    services.events.record({ type: 'telegram.restored', actor: 'telegram', data }, tx);
    services.admins.alert(
      { type: 'telegram.restored', severity: 'warning', data },
      { tx, throttleMinutes: 10 },
    );
  });
}
