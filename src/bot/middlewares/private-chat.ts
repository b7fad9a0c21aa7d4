/**
 * The bot talks business only in a private chat with one person. Admin commands and
 * buttons, key cards, links, tokens, QR codes and backup archives must never land in a
 * group, where everyone reads them. So in a group (or any chat that is not private) a
 * command addressed to the bot or a press of one of its buttons gets a short "open a
 * private chat with me", and no feature sees the update; other group messages are ignored.
 */
import { InlineKeyboard, type MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.ts';

const COMMAND_RE = /^\/[A-Za-z0-9_]+(?:@(\w+))?(?:\s|$)/;

/** True when a message starts with a command for this bot (`/cmd` or `/cmd@this_bot`). */
function isCommandForMe(ctx: BotContext): boolean {
  const text = ctx.message?.text ?? ctx.message?.caption;
  const match = text === undefined ? null : COMMAND_RE.exec(text);
  if (!match) return false;
  const addressee = match[1];
  return addressee === undefined || addressee.toLowerCase() === ctx.me.username.toLowerCase();
}

/** Lets through updates of private chats and updates without a chat (payments' pre-checkout). */
export const privateChatsOnly: MiddlewareFn<BotContext> = async (ctx, next) => {
  const chat = ctx.chat;
  if (!chat || chat.type === 'private') return next();
  const text = ctx.t('private-chat-only');
  if (ctx.callbackQuery) {
    await ctx.answerCallbackQuery({ text, show_alert: true });
  } else if (isCommandForMe(ctx)) {
    const open = new InlineKeyboard().url(ctx.t('private-chat-open'), `https://t.me/${ctx.me.username}`);
    await ctx.reply(text, { reply_markup: open });
  }
};

/**
 * For code that sends secrets to a chat id: a private chat's id is the person's id
 * (positive); groups and channels have negative ids. Throws for anything else.
 */
export function assertPrivateChat(chatId: number): void {
  if (!(chatId > 0))
    throw new Error(`refusing to send a private answer to chat ${chatId}: not a private chat`);
}
