/**
 * A screen: an HTML text with its inline keyboard, built by a pure function of the data and
 * a {@link Translator}; {@link show} puts it on the chat.
 */
import { InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.ts';
import { ignoreNotModified, type Translator } from './text.ts';

/** One screen: HTML text and its buttons. */
export interface Screen {
  text: string;
  keyboard?: InlineKeyboard;
}

/**
 * Shows a screen: a button press edits the message it came from (when that is a text
 * message; a press that changes nothing is fine); anything else gets a new message.
 */
export async function show(ctx: BotContext, screen: Screen): Promise<void> {
  const options = { reply_markup: screen.keyboard };
  const message = ctx.callbackQuery?.message;
  if (message && 'text' in message && message.text !== undefined) {
    await ignoreNotModified(ctx.editMessageText(screen.text, options));
    return;
  }
  await ctx.reply(screen.text, options);
}

/** A yes/no question whose buttons carry the callback data `yes` and `no`. */
export function confirmScreen(ctx: Translator, text: string, yes: string, no: string): Screen {
  return {
    text,
    keyboard: new InlineKeyboard().text(ctx.t('admin-btn-confirm'), yes).text(ctx.t('admin-btn-cancel'), no),
  };
}

/** A short confirmation: a toast for a button, a message for a command. */
export async function notify(ctx: BotContext, text: string): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text });
  else await ctx.reply(text);
}
