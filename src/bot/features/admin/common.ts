/** What the admin features share: their dependencies, the actor string, the admin guards' helpers. */
import type { I18n } from '@grammyjs/i18n';
import type { MiddlewareFn } from 'grammy';
import type { TelegramUser } from '../../../services/model.ts';
import type { BotContext, FeatureDeps } from '../../context.ts';
import { pickLanguage, type Language } from '../../i18n.ts';
import { callbackData, esc, stripTags } from '../../kit/index.ts';
import { callbackAnswered } from '../../middlewares/callback-answers.ts';
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

/** Back to the admin menu (every admin screen has it). */
export const menuButton = callbackData('a:m');

/** A person as admins see them: `@username (123)` or `First Last (123)`. */
export function personLabel(
  id: number,
  person?: Pick<TelegramUser, 'username' | 'firstName' | 'lastName'>,
): string {
  const name = person?.username
    ? `@${person.username}`
    : [person?.firstName, person?.lastName].filter(Boolean).join(' ');
  return name ? `${esc(name)} (<code>${id}</code>)` : `<code>${id}</code>`;
}

/** How admin actions are attributed in the event log. */
export function actorOf(ctx: { from?: { id: number } | undefined }): string {
  return `tg:${ctx.from?.id ?? 0}`;
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
    } else await ctx.reply(text);
  }
};

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
