/**
 * Outbox delivery to Telegram: owners' notices (`owner.notice`) and key requests to every
 * admin (`admin.key_request`), in each person's language, paced to Telegram's limits.
 * 429 and 5xx throw, so the outbox retries with backoff; 403 (blocked, deactivated) marks
 * the person unreachable and gives the row up.
 */
import type { I18n } from '@grammyjs/i18n';
import { GrammyError, type Bot } from 'grammy';
import type { Logger } from '../logger.ts';
import type { Services } from '../services/index.ts';
import { unhandled, type OwnerNotice } from '../services/messages.ts';
import { PermanentFailure } from '../services/outbox.service.ts';
import type { BotContext } from './context.ts';
import { pickLanguage } from './i18n.ts';
import { sendKeyCard } from './features/keys/card.ts';
import { formatAmount } from './render/money.ts';
import type { QrPhotos } from './render/qr-photo.ts';
import { requestKeyboard, requestText } from './features/new-key/request.ts';
import { escapeHtml, formatDate, supportLine, trFor, type Tr } from './kit/index.ts';

/** Pace of outgoing notifications. */
export interface SendLimits {
  /** Messages a second across all chats (Telegram allows about 30). */
  perSecond?: number;
  /** Gap between two messages to one chat (Telegram allows about one a second). */
  perChatMs?: number;
}

/**
 * A token bucket for all chats plus a minimum gap per chat. `take(chat)` resolves when a
 * message to `chat` may go.
 */
export function createSendLimiter(
  limits: SendLimits = {},
  time: { now(): number; sleep(ms: number): Promise<void> } = {
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
) {
  const perSecond = limits.perSecond ?? 25;
  const perChatMs = limits.perChatMs ?? 1000;
  let tokens = perSecond;
  let refilledAt = time.now();
  const chatFreeAt = new Map<number, number>();

  return async function take(chatId: number): Promise<void> {
    for (;;) {
      const now = time.now();
      tokens = Math.min(perSecond, tokens + ((now - refilledAt) / 1000) * perSecond);
      refilledAt = now;
      const wait = Math.max(
        (chatFreeAt.get(chatId) ?? 0) - now,
        tokens >= 1 ? 0 : ((1 - tokens) / perSecond) * 1000,
      );
      if (wait <= 0) {
        tokens -= 1;
        chatFreeAt.set(chatId, now + perChatMs);
        if (chatFreeAt.size > 10_000) {
          for (const [id, at] of chatFreeAt) if (at <= now) chatFreeAt.delete(id);
        }
        return;
      }
      await time.sleep(wait);
    }
  };
}

/** What the notifier needs: services, a logger, translations and the QR cache. */
export interface NotifierDeps {
  services: Services;
  logger: Logger;
  i18n: I18n<BotContext>;
  qr: QrPhotos;
}

/** Registers the Telegram deliveries of the outbox. Called by createBot. */
export function createNotifier(bot: Bot<BotContext>, deps: NotifierDeps, limits?: SendLimits) {
  const { services, i18n } = deps;
  const take = createSendLimiter(limits);

  function trOfPerson(id: number): Tr {
    const person = services.admins.get(id);
    return trFor(i18n, pickLanguage(person?.language ?? person?.languageCode));
  }

  /** Sends to one chat within the limits; 403 → unreachable + PermanentFailure. */
  async function send(chatId: number, deliver: () => Promise<unknown>): Promise<void> {
    await take(chatId);
    try {
      await deliver();
    } catch (error) {
      if (error instanceof GrammyError && error.error_code === 403) {
        services.broadcasts.markUnreachable(chatId);
        throw new PermanentFailure(`${chatId} cannot be reached: ${error.description}`);
      }
      throw error;
    }
  }

  /** The text of an owner notice, or null for a notice this bot does not know (an older row). */
  function noticeText(tr: Tr, payload: OwnerNotice): string | null {
    const key = escapeHtml(String('key' in payload ? (payload.key ?? '') : ''));
    const date = (value: string | null) => (value ? formatDate(new Date(value), tr.locale) : '');
    switch (payload.notice) {
      case 'quota':
        return payload.percent >= 100
          ? tr.t('notice-quota-full', { key })
          : tr.t('notice-quota', { key, percent: payload.percent });
      case 'expiring':
        return tr.t('notice-expiring', { key, days: payload.days, date: date(payload.expireAt) });
      case 'expired':
        return tr.t('notice-expired', { key });
      case 'never_connected':
        return tr.t('notice-never-connected', { key });
      case 'kicked':
        return tr.t('notice-kicked', { key });
      case 'disabled':
        return tr.t('notice-disabled', { key });
      case 'renewed':
        return payload.expireAt
          ? tr.t('notice-renewed-until', { key, date: date(payload.expireAt) })
          : tr.t('notice-renewed', { key });
      case 'approved':
        return tr.t('notice-approved');
      case 'purchased':
        return tr.t(payload.trial ? 'notice-trial' : 'notice-purchased');
      case 'refunded':
        return tr.t('notice-refunded', {
          key,
          order: payload.order,
          amount: formatAmount(payload.amount, payload.currency),
        });
      case 'rejected':
        return [tr.t('notice-rejected'), ...supportLine(tr, services)].join('\n');
      default:
        return unhandled(payload); // a notice without its text does not compile
    }
  }

  services.outbox.register('owner.notice', async (payload) => {
    const chatId = payload.telegramId;
    const person = services.admins.get(chatId);
    if (person?.banned) return; // banned people get nothing
    if (person && !person.reachable) throw new PermanentFailure(`${chatId} blocked the bot`);
    const tr = trOfPerson(chatId);
    const text = noticeText(tr, payload);
    if (text === null) {
      deps.logger.warn({ notice: payload.notice }, 'owner notice of an unknown kind dropped');
      return;
    }
    // An approved request or a bought key arrives as the key card itself, with the news on top.
    const withCard = payload.notice === 'approved' || payload.notice === 'purchased';
    const key = withCard ? services.keys.find(payload.key) : undefined;
    await send(chatId, () =>
      key && key.ownerTelegramId === chatId
        ? sendKeyCard(bot.api, chatId, key, tr, deps, text)
        : bot.api.sendMessage(chatId, text),
    );
  });

  services.outbox.register('admin.key_request', async (payload) => {
    const request = services.requests.get(payload.requestId);
    if (!request || request.state !== 'pending') return; // decided meanwhile: nothing to ask
    let delivered = 0;
    let lastError: unknown;
    for (const { telegram_id: adminId } of services.admins.listAdmins()) {
      const tr = trOfPerson(adminId);
      try {
        await send(adminId, () =>
          bot.api.sendMessage(adminId, requestText(request, tr, services), {
            reply_markup: requestKeyboard(request, tr),
          }),
        );
        delivered++;
      } catch (error) {
        lastError = error;
      }
    }
    // Retrying after a partial success would ask the same admins twice.
    if (delivered === 0 && lastError && !(lastError instanceof PermanentFailure)) throw lastError;
  });
}
