/**
 * `/keys` and the key card's actions (subscription QR and link, new link, delete). Every
 * button names a key by id; the key is looked up on the server and must belong to the
 * presser — callback data is never trusted.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { Key } from '../../services/model.ts';
import type { BotContext, FeatureDeps } from '../context.ts';
import type { ThrottleDeps } from '../middlewares/throttle.ts';
import { editKeyCard, keyCard, sendKeyCard, type CardDeps } from '../render/key-card.ts';
import { CAPTION, escapeHtml, HTML, ignoreNotModified, trOf } from '../render/text.ts';

/** What every user feature receives: FeatureDeps plus the bot's QR photo cache and throttle. */
export type UserDeps = FeatureDeps & CardDeps & ThrottleDeps;

/** The presser's own key with this id, or undefined (missing or someone else's). */
export function ownKey(ctx: BotContext, deps: CardDeps, id: number): Key | undefined {
  const key = deps.services.keys.getById(id);
  return key && ctx.from && key.ownerTelegramId === ctx.from.id ? key : undefined;
}

/** "My keys": none → a hint; one → its card; several → a list to pick from. */
export async function sendMyKeys(ctx: BotContext, deps: UserDeps): Promise<void> {
  const tr = await trOf(ctx);
  const owned = deps.services.keys.ownedBy(ctx.from!.id);
  if (owned.length === 0) {
    await ctx.reply(tr.t('keys-none'), HTML);
  } else if (owned.length === 1) {
    await sendKeyCard(ctx.api, ctx.chatId!, owned[0]!, tr, deps);
  } else {
    const keyboard = new InlineKeyboard();
    for (const key of owned) {
      keyboard
        .text(`${key.name} · ${tr.t(`key-status-${key.status.replace('_', '-')}`)}`, `key:open:${key.id}`)
        .row();
    }
    await ctx.reply(tr.t('keys-list', { count: owned.length }), { ...HTML, reply_markup: keyboard });
  }
}

/** Key buttons that send or draw a QR photo: throttled as `qr`. */
const QR_ACTIONS = new Set(['open', 'qr', 'regen!']);

/** Two buttons in place of the card's: do it, or back to the card. */
function confirmKeyboard(confirm: string, action: string, key: Key, cancel: string): InlineKeyboard {
  return new InlineKeyboard().text(confirm, `key:${action}:${key.id}`).text(cancel, `key:back:${key.id}`);
}

/** `/keys` and the `key:<action>:<id>` buttons of key cards. */
export function createKeysFeature(deps: UserDeps) {
  const { services } = deps;
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');

  privateChats.command('keys', (ctx) => sendMyKeys(ctx, deps));

  privateChats.callbackQuery(/^key:(open|qr|sub|regen|regen!|del|del!|back):(\d+)$/, async (ctx) => {
    const tr = await trOf(ctx);
    const { t } = tr;
    const key = ownKey(ctx, deps, Number(ctx.match[2]));
    if (!key) {
      await ctx.answerCallbackQuery({ text: t('key-not-available'), show_alert: true });
      return;
    }
    if (QR_ACTIONS.has(ctx.match[1]!) && !(await deps.throttle.allow(ctx, 'qr', 'answer'))) return;
    const actor = `tg:${ctx.from.id}`;
    switch (ctx.match[1]) {
      case 'open':
        await sendKeyCard(ctx.api, ctx.chat.id, key, tr, deps);
        break;
      case 'qr': {
        const url = services.view(key).subscription_url;
        const caption = t('key-sub-qr', { name: escapeHtml(key.name), url: escapeHtml(url) });
        await deps.qr.send(url, (photo) => ctx.replyWithPhoto(photo, { caption, ...CAPTION }));
        break;
      }
      case 'sub': {
        const url = services.view(key).subscription_url;
        await ctx.reply(t('key-sub-link', { name: escapeHtml(key.name), url: escapeHtml(url) }), HTML);
        break;
      }
      case 'regen':
        await ctx.editMessageReplyMarkup({
          reply_markup: confirmKeyboard(t('key-btn-regen-confirm'), 'regen!', key, t('key-btn-cancel')),
        });
        await ctx.answerCallbackQuery({ text: t('key-regen-ask'), show_alert: true });
        return;
      case 'regen!': {
        const kicked = await services.keys.kick(key.name, actor);
        await editKeyCard(ctx, kicked, tr, deps);
        await ctx.answerCallbackQuery({ text: t('key-regen-done'), show_alert: true });
        return;
      }
      case 'del':
        await ctx.editMessageReplyMarkup({
          reply_markup: confirmKeyboard(t('key-btn-delete-confirm'), 'del!', key, t('key-btn-cancel')),
        });
        await ctx.answerCallbackQuery({ text: t('key-delete-ask'), show_alert: true });
        return;
      case 'del!': {
        await services.keys.delete(key.name, actor);
        const text = t('key-deleted', { name: escapeHtml(key.name) });
        if (ctx.callbackQuery.message?.photo) await ctx.editMessageCaption({ caption: text, ...CAPTION });
        else await ctx.editMessageText(text, HTML);
        break;
      }
      case 'back':
        await ignoreNotModified(
          ctx.editMessageReplyMarkup({ reply_markup: keyCard(key, tr, services).keyboard }),
        );
        break;
    }
    await ctx.answerCallbackQuery();
  });

  return feature;
}
