/**
 * Remembers whether the callback query of an update was answered, whoever answered it:
 * Telegram takes one answer per query, so the error handler and the admin's catch-all answer
 * only when nobody did.
 */
import type { MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.ts';

const answered = new WeakSet<object>();

/** Watches this update's own API (ctx.api is per update) for answerCallbackQuery. */
export const trackCallbackAnswers: MiddlewareFn<BotContext> = (ctx, next) => {
  if (ctx.callbackQuery) {
    ctx.api.config.use((prev, method, payload, signal) => {
      if (method === 'answerCallbackQuery') answered.add(ctx);
      return prev(method, payload, signal);
    });
  }
  return next();
};

/** Whether this update's callback query already got its answer (or an attempt at one). */
export function callbackAnswered(ctx: BotContext): boolean {
  return answered.has(ctx);
}
