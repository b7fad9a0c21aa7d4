/** createBot: the grammY bot with its middlewares and features. */
import { autoRetry } from '@grammyjs/auto-retry';
import { conversations } from '@grammyjs/conversations';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import { Bot, GrammyError, HttpError, session, type BotError } from 'grammy';
import type { BotContext, ConversationContext, FeatureDeps, SessionData } from './context.ts';
import { startFeature } from './features/start.ts';
import { createI18n } from './i18n.ts';
import { personMiddleware } from './middlewares/person.ts';
import { createSqliteStorage } from './storage.ts';

export type BotDeps = FeatureDeps;

/** Update types the bot asks Telegram for. */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'] as const;

/** Updates of one chat are handled in order; different chats in parallel. */
function chatKey(ctx: BotContext): string | undefined {
  return ctx.chat?.id.toString() ?? ctx.from?.id.toString();
}

/** Builds the bot. It does not connect to Telegram until started. */
export function createBot(deps: BotDeps) {
  const { config, services, logger } = deps;
  const bot = new Bot<BotContext>(config.BOT_TOKEN, {
    client: { apiRoot: config.TELEGRAM_API_ROOT },
  });
  // Retries 429 and 5xx answers, waiting as long as Telegram asks (capped).
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 }));

  const i18n = createI18n();
  bot.use(sequentialize(chatKey));
  bot.use(async (ctx, next) => {
    ctx.log = logger.child({ update_id: ctx.update.update_id, from: ctx.from?.id });
    await next();
  });
  bot.use(i18n);
  bot.use(personMiddleware(services));
  bot.use(
    session({
      initial: (): SessionData => ({}),
      storage: createSqliteStorage<SessionData>(services.db, 'session'),
      getSessionKey: (ctx) => ctx.from?.id.toString(),
    }),
  );
  bot.use(
    conversations<BotContext, ConversationContext>({
      storage: {
        type: 'key',
        adapter: createSqliteStorage(services.db, 'conversation'),
        getStorageKey: (ctx) => ctx.chatId?.toString(),
      },
      // Inside a conversation the context is rebuilt: give it translations and the person again.
      plugins: [
        i18n as never,
        async (ctx, next) => {
          ctx.log = logger.child({ update_id: ctx.update.update_id, from: ctx.from?.id, conversation: true });
          ctx.role = ctx.from ? services.admins.roleOf(ctx.from.id) : 'user';
          ctx.person = ctx.from ? services.admins.get(ctx.from.id) : undefined;
          await next();
        },
      ],
    }),
  );

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
  return run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
}
