/** What the admin features share: their dependencies, the actor string, showing a screen. */
import type { I18n } from '@grammyjs/i18n';
import { GrammyError, type MiddlewareFn } from 'grammy';
import type { BotContext, FeatureDeps } from '../../context.ts';
import { pickLanguage, type Language } from '../../i18n.ts';
import { callbackAnswered } from '../../middlewares/callback-answers.ts';
import type { View } from '../../menus/admin/view.ts';
import { errorText } from '../../render/errors.ts';

/** Feature dependencies plus the translations, for texts sent to other people in their language. */
export interface AdminDeps extends FeatureDeps {
  i18n: I18n<BotContext>;
}

/** The language a person reads: picked with /lang, else their Telegram one. */
export function languageOf(deps: FeatureDeps, telegramId: number): Language {
  const person = deps.services.admins.get(telegramId);
  return pickLanguage(person?.language ?? person?.languageCode);
}

/** How admin actions are attributed in the event log. */
export function actorOf(ctx: { from?: { id: number } | undefined }): string {
  return `tg:${ctx.from?.id ?? 0}`;
}

export const HTML = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } } as const;

/** True for Telegram's "message is not modified" (pressing a button that changes nothing). */
function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && error.description.includes('message is not modified');
}

/**
 * Shows a screen: a button press edits the message it came from (when that is a text
 * message); anything else gets a new message.
 */
export async function show(ctx: BotContext, view: View): Promise<void> {
  const options = { ...HTML, reply_markup: view.keyboard };
  const message = ctx.callbackQuery?.message;
  if (message && 'text' in message && message.text !== undefined) {
    try {
      await ctx.editMessageText(view.text, options);
    } catch (error) {
      if (!isNotModified(error)) throw error;
    }
    return;
  }
  await ctx.reply(view.text, options);
}

/**
 * Every admin button press gets an answer (which stops the spinner) even when its handler
 * does not give one; handlers that want a toast answer themselves.
 */
export const answerCallbacks: MiddlewareFn<BotContext> = async (ctx, next) => {
  await next();
  // After a throw the error handler answers (with the error), so only a clean run gets here.
  if (ctx.callbackQuery && !callbackAnswered(ctx)) await ctx.answerCallbackQuery().catch(() => undefined);
};

/** Service errors (unknown key, bad value…) become a localized answer instead of a crash. */
export const explainErrors: MiddlewareFn<BotContext> = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    const text = errorText(ctx, error);
    if (text === undefined) throw error;
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: stripTags(text).slice(0, 200), show_alert: true });
    } else await ctx.reply(text, HTML);
  }
};

/** Plain text of an HTML text (callback answers are not parsed). */
export function stripTags(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&');
}

/** The text after a command, split on whitespace. */
export function commandArgs(ctx: BotContext): string[] {
  return typeof ctx.match === 'string' ? ctx.match.split(/\s+/).filter(Boolean) : [];
}

/**
 * A number typed by an admin (`30`, `0.5`, `1,5`) within [min, max]; undefined when it is
 * not one.
 */
export function parseNumber(
  text: string | undefined,
  range: { min: number; max: number; integer?: boolean },
): number | undefined {
  const value = Number(text?.trim().replace(',', '.'));
  if (!text?.trim() || !Number.isFinite(value)) return undefined;
  if (value < range.min || value > range.max) return undefined;
  if (range.integer && !Number.isInteger(value)) return undefined;
  return value;
}

/** Limits of what admins may type for keys. */
export const KEY_LIMITS = {
  days: { min: 0, max: 36_500 },
  extendDays: { min: 1, max: 3650 },
  gb: { min: 0, max: 1_000_000 },
} as const;

/** Starts an admin dialog; one already running in the chat is left first. */
export async function enterDialog(ctx: BotContext, id: string, ...args: unknown[]): Promise<void> {
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(id, ...args);
}
