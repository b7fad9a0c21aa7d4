/**
 * `/keys` and the key card's actions (subscription QR and link, new link, delete). Every
 * button names a key by id; the key is looked up on the server and must belong to the
 * presser — callback data is never trusted.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { Key } from '../../../services/model.ts';
import type { BotContext, FeatureDeps } from '../../context.ts';
import type { ThrottleDeps } from '../../middlewares/throttle.ts';
import { escapeHtml, ignoreNotModified, onButton, trOf } from '../../kit/index.ts';
import { editKeyCard, keyButton, keyCard, sendKeyCard, type CardDeps } from './card.ts';

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
    await ctx.reply(tr.t('keys-none'));
  } else if (owned.length === 1) {
    await sendKeyCard(ctx.api, ctx.chatId!, owned[0]!, tr, deps);
  } else {
    const keyboard = new InlineKeyboard();
    for (const key of owned) {
      keyboard
        .text(
          `${key.name} · ${tr.t(`key-status-${key.status.replace('_', '-')}`)}`,
          keyButton.pack({ action: 'open', id: key.id }),
        )
        .row();
    }
    await ctx.reply(tr.t('keys-list', { count: owned.length }), { reply_markup: keyboard });
  }
}

/** Key buttons that send or draw a QR photo: throttled as `qr`. */
const QR_ACTIONS = new Set(['open', 'qr', 'regen!']);

/** Two buttons in place of the card's: do it, or back to the card. */
function confirmKeyboard(
  confirm: string,
  action: 'regen!' | 'del!',
  key: Key,
  cancel: string,
): InlineKeyboard {
  return new InlineKeyboard()
    .text(confirm, keyButton.pack({ action, id: key.id }))
    .text(cancel, keyButton.pack({ action: 'back', id: key.id }));
}

/** `/keys` and the `key:<action>:<id>` buttons of key cards. */
export function createKeysFeature(deps: UserDeps) {
  const { services } = deps;
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');

  privateChats.command('keys', (ctx) => sendMyKeys(ctx, deps));

  onButton(privateChats, keyButton, async (ctx, { action, id }) => {
    const tr = await trOf(ctx);
    const { t } = tr;
    const key = ownKey(ctx, deps, id);
    if (!key) {
      await ctx.answerCallbackQuery({ text: t('key-not-available'), show_alert: true });
      return;
    }
    if (QR_ACTIONS.has(action) && !(await deps.throttle.allow(ctx, 'qr', 'answer'))) return;
    const actor = `tg:${ctx.from.id}`;
    switch (action) {
      case 'open':
        await sendKeyCard(ctx.api, ctx.chat.id, key, tr, deps);
        break;
      case 'qr': {
        const url = services.view(key).subscription_url;
        const caption = t('key-sub-qr', { name: escapeHtml(key.name), url: escapeHtml(url) });
        await deps.qr.send(url, (photo) => ctx.replyWithPhoto(photo, { caption }));
        break;
      }
      case 'sub': {
        const url = services.view(key).subscription_url;
        await ctx.reply(t('key-sub-link', { name: escapeHtml(key.name), url: escapeHtml(url) }));
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
        if (ctx.callbackQuery.message?.photo) await ctx.editMessageCaption({ caption: text });
        else await ctx.editMessageText(text);
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
