/**
 * Per-person throttling. The middleware counts every update of a person against the general
 * limit (admins are exempt, payments and chat-member changes are never held back); `allow`
 * counts the expensive actions against their own, tighter limits, for everyone. Whoever goes
 * too fast hears so politely: a pressed button always gets its answer (the client's spinner
 * stops), and a private chat gets at most one "too fast" message per window.
 */
import type { MiddlewareFn } from 'grammy';
import type { Clock } from '../../services/clock.ts';
import type { BotContext } from '../context.ts';
import { DEFAULT_THROTTLE_LIMITS, type ThrottledAction, type ThrottleLimits } from './throttle-limits.ts';
import { createWindowCounters } from './window-counters.ts';

/** How a refusal is told: `answer` answers the pressed button, `reply` writes in the chat. */
type Via = 'answer' | 'reply';

/** Updates that follow Telegram's pace, not the person's: never held back. */
function isExempt(ctx: BotContext): boolean {
  return Boolean(ctx.preCheckoutQuery || ctx.message?.successful_payment || ctx.myChatMember);
}

export function createThrottle(clock: Clock, overrides: Partial<ThrottleLimits> = {}) {
  const limits: ThrottleLimits = { ...DEFAULT_THROTTLE_LIMITS, ...overrides };
  const counters = createWindowCounters(() => clock.now().getTime());

  async function tellTooFast(ctx: BotContext, resetMs: number, via: Via): Promise<void> {
    const text = ctx.t('too-fast', { seconds: Math.max(1, Math.ceil(resetMs / 1000)) });
    try {
      if (via === 'answer' && ctx.callbackQuery) {
        await ctx.answerCallbackQuery({ text });
        return;
      }
      if (ctx.chat?.type !== 'private') return; // a group never hears about one member's pace
      // Told once until the window that refused ends, whichever limit refuses meanwhile.
      if (!counters.hit(`told:${ctx.from!.id}`, { max: 1, windowMs: resetMs }).ok) return;
      await ctx.reply(text);
    } catch (error) {
      ctx.log.warn({ err: error }, 'could not say "too fast"');
    }
  }

  /** The general per-person limit on updates. */
  const middleware: MiddlewareFn<BotContext> = async (ctx, next) => {
    const id = ctx.from?.id;
    if (id === undefined || ctx.role !== 'user' || isExempt(ctx)) return next();
    const verdict = counters.hit(`updates:${id}`, limits.updates);
    if (verdict.ok) return next();
    await tellTooFast(ctx, verdict.resetMs, 'answer');
  };

  return {
    middleware,

    /**
     * Counts one `action` of the sender; false when it is over its limit, after telling them.
     * With `answer` the pressed button is answered (its handler must not answer it again);
     * `reply` suits code that runs under a button which answers itself (menus) or a command.
     */
    async allow(ctx: BotContext, action: ThrottledAction, via: Via = 'reply'): Promise<boolean> {
      const id = ctx.from?.id;
      if (id === undefined) return true;
      const verdict = counters.hit(`${action}:${id}`, limits[action]);
      if (!verdict.ok) await tellTooFast(ctx, verdict.resetMs, via);
      return verdict.ok;
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;

/** What features that throttle their actions receive. */
export interface ThrottleDeps {
  throttle: Throttle;
}
