/**
 * The key card: one photo message — the QR of the share link — whose caption holds the
 * name, status, expiry, traffic with a progress bar and the share link in a code entity.
 * Without a link yet (core not running), or when the photo is refused, the card is a text message.
 */
import { GrammyError, InlineKeyboard, type Api } from 'grammy';
import type { Key } from '../../../services/model.ts';
import type { Services } from '../../../services/index.ts';
import { usedBytes } from '../../../services/keys/rules.ts';
import type { BotContext } from '../../context.ts';
import { assertPrivateChat } from '../../middlewares/private-chat.ts';
import type { QrPhotos } from '../../render/qr-photo.ts';
import {
  callbackData,
  int,
  oneOf,
  daysLeft,
  escapeHtml,
  formatBytes,
  formatDate,
  progressBar,
  type Tr,
} from '../../kit/index.ts';

/** An action on the presser's own key `id` (`!` = confirmed); the key is looked up and checked. */
export const keyButton = callbackData('key', {
  action: oneOf(['open', 'qr', 'sub', 'regen', 'regen!', 'del', 'del!', 'back']),
  id: int,
});
/** The traffic chart of key `id`: sent anew (`show`) or redrawn in place (`refresh`). */
export const trafficButton = callbackData('tr', { action: oneOf(['show', 'refresh']), id: int });

/** What the user features need beyond FeatureDeps. */
export interface CardDeps {
  services: Services;
  qr: QrPhotos;
}

/** A rendered card: HTML caption, the link its QR encodes, its buttons. */
export interface KeyCard {
  caption: string;
  /** The share link, null while the core cannot make one. */
  link: string | null;
  keyboard: InlineKeyboard;
}

/** False for hosts a URL button cannot open from a phone (loopback, private, IPv6 literal, .local). */
function isPublicUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return (
    !/^(localhost$|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.0\.0\.0$|\[)/.test(host) &&
    !host.endsWith('.local')
  );
}

/** The status, expiry and traffic lines of a key (shared by the card and the traffic view). */
export function keyLines(key: Key, tr: Tr, now: Date) {
  const { t, locale } = tr;
  let expiry: string;
  if (key.status === 'on_hold') {
    expiry = t('key-expiry-on-hold', { days: Math.round((key.onHoldDurationSeconds ?? 0) / 86_400) });
  } else if (!key.expireAt) {
    expiry = t('key-expiry-never');
  } else if (key.expireAt.getTime() <= now.getTime()) {
    expiry = t('key-expiry-past', { date: formatDate(key.expireAt, locale) });
  } else {
    expiry = t('key-expiry-until', {
      date: formatDate(key.expireAt, locale),
      days: daysLeft(key.expireAt, now),
    });
  }
  const used = usedBytes(key);
  const traffic =
    key.trafficLimitBytes === null
      ? t('key-traffic-unlimited', { used: formatBytes(used, locale) })
      : t('key-traffic-limited', {
          used: formatBytes(used, locale),
          limit: formatBytes(key.trafficLimitBytes, locale),
          bar: progressBar(used / key.trafficLimitBytes),
          percent: Math.min(100, Math.floor((used / key.trafficLimitBytes) * 100)),
        });
  return { status: t(`key-status-${key.status.replace('_', '-')}`), expiry, traffic };
}

/** The card of a key; `intro` is a line put above it (e.g. "your request was approved"). */
export function keyCard(key: Key, tr: Tr, services: Services, intro?: string): KeyCard {
  const { t } = tr;
  const view = services.view(key);
  const link = view.links[0] ?? null;
  const lines = keyLines(key, tr, services.clock.now());
  const caption = [
    ...(intro ? [intro, ''] : []),
    t('key-card', {
      name: escapeHtml(key.name),
      status: lines.status,
      expiry: lines.expiry,
      traffic: lines.traffic,
    }),
    '',
    link ? `<code>${escapeHtml(link)}</code>` : t('key-card-no-link'),
  ].join('\n');

  const keyboard = new InlineKeyboard();
  if (isPublicUrl(services.config.publicUrl)) keyboard.url(t('key-btn-page'), view.subscription_url).row();
  keyboard
    .text(t('key-btn-qr'), keyButton.pack({ action: 'qr', id: key.id }))
    .text(t('key-btn-sub'), keyButton.pack({ action: 'sub', id: key.id }))
    .row()
    .text(t('key-btn-traffic'), trafficButton.pack({ action: 'show', id: key.id }))
    .row()
    .text(t('key-btn-regen'), keyButton.pack({ action: 'regen', id: key.id }))
    .text(t('key-btn-delete'), keyButton.pack({ action: 'del', id: key.id }));
  return { caption, link, keyboard };
}

/**
 * Sends a key's card to a chat: a photo with the QR, or text while there is no link. The key
 * may be freshly made: a refused photo (a Bot API server without sendPhoto, a photo it will
 * not take) still delivers the card with its link, as text. Only a blocked chat (403) fails.
 */
export async function sendKeyCard(
  api: Api,
  chatId: number,
  key: Key,
  tr: Tr,
  deps: CardDeps,
  intro?: string,
): Promise<void> {
  assertPrivateChat(chatId); // a key card holds the key's link: never into a group
  const card = keyCard(key, tr, deps.services, intro);
  if (card.link) {
    try {
      await deps.qr.send(card.link, (photo) =>
        api.sendPhoto(chatId, photo, { caption: card.caption, reply_markup: card.keyboard }),
      );
      return;
    } catch (error) {
      if (!(error instanceof GrammyError) || error.error_code === 403) throw error;
    }
  }
  await api.sendMessage(chatId, card.caption, { reply_markup: card.keyboard });
}

/** Redraws the card the pressed button belongs to (after a new link, say). */
export async function editKeyCard(ctx: BotContext, key: Key, tr: Tr, deps: CardDeps): Promise<void> {
  const card = keyCard(key, tr, deps.services);
  const message = ctx.callbackQuery?.message;
  if (card.link && message?.photo) {
    const caption = card.caption;
    await deps.qr.send(card.link, (media) =>
      ctx.editMessageMedia({ type: 'photo', media, caption }, { reply_markup: card.keyboard }),
    );
  } else if (!card.link && message?.text !== undefined) {
    await ctx.editMessageText(card.caption, { reply_markup: card.keyboard });
  } else {
    await sendKeyCard(ctx.api, ctx.chatId!, key, tr, deps);
  }
}
