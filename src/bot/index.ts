/** createBot: the grammY bot with its middlewares and features. */
import { autoRetry } from '@grammyjs/auto-retry';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import type { BotError } from 'grammy';
import { Bot, GrammyError, HttpError } from 'grammy';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Services } from '../services/index.ts';
import type { BotContext } from './context.ts';
import { startFeature } from './features/start.ts';
import { createI18n } from './i18n.ts';
import { personMiddleware } from './middlewares/person.ts';

export interface BotDeps {
  config: Readonly<Config>;
  services: Services;
  logger: Logger;
}

/** Updates of one chat are handled in order; different chats in parallel. */
function chatKey(ctx: BotContext): string | undefined {
  return ctx.chat?.id.toString() ?? ctx.from?.id.toString();
}

/** Builds the bot. It does not connect to Telegram until started. */
export function createBot({ config, services, logger }: BotDeps): Bot<BotContext> {
  const bot = new Bot<BotContext>(config.BOT_TOKEN, {
    client: { apiRoot: config.TELEGRAM_API_ROOT },
  });
  // Retries 429 and 5xx answers, waiting as long as Telegram asks (capped).
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 }));

  bot.use(sequentialize(chatKey));
  bot.use(async (ctx, next) => {
    ctx.log = logger.child({ update_id: ctx.update.update_id, from: ctx.from?.id });
    await next();
  });
  bot.use(createI18n());
  bot.use(personMiddleware(services));

  const features = bot.errorBoundary(handleError);
  features.use(startFeature);

  bot.catch((err) => logger.error({ err: err.error }, 'unhandled bot error'));
  return bot;
}

/** Logs the failure and answers the person politely; never rethrows. */
async function handleError(err: BotError<BotContext>): Promise<void> {
  const ctx = err.ctx;
  const error = err.error;
  const level = error instanceof GrammyError || error instanceof HttpError ? 'warn' : 'error';
  ctx.log[level]({ err: error }, 'update failed');
  try {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t('error-generic') });
    else if (ctx.chat) await ctx.reply(ctx.t('error-generic'));
  } catch (replyError) {
    ctx.log.warn({ err: replyError }, 'could not tell the user about the error');
  }
}

/** Starts long polling with the runner; resolves once the bot is initialised. */
export async function startPolling(bot: Bot<BotContext>): Promise<RunnerHandle> {
  await bot.init();
  await bot.api.deleteWebhook();
  return run(bot, {
    runner: {
      fetch: { allowed_updates: ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'] },
    },
  });
}
