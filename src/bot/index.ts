/** createBot: the grammY bot with its middlewares and features. */
import { autoRetry } from '@grammyjs/auto-retry';
import { conversations } from '@grammyjs/conversations';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import { Bot, GrammyError, HttpError, session, type BotError } from 'grammy';
import { registerAdminAlerts } from './alerts.ts';
import { telegramClientOptions } from './connect.ts';
import type { BotContext, ConversationContext, FeatureDeps, SessionData } from './context.ts';
import { adminFeature } from './features/admin/index.ts';
import { createBuyFeature } from './features/buy/index.ts';
import { createFallbackFeature } from './features/fallback/index.ts';
import { createHelpFeature } from './features/help/index.ts';
import { createKeysFeature } from './features/keys/index.ts';
import { createLanguageFeature } from './features/language/index.ts';
import { createNewKeyFeature } from './features/new-key/index.ts';
import { createStartFeature } from './features/start/index.ts';
import { createTrafficFeature } from './features/traffic/index.ts';
import { createI18n } from './i18n.ts';
import { parseMode } from './kit/parse-mode.ts';
import { createMainMenu } from './features/start/main-menu.ts';
import type { I18n } from '@grammyjs/i18n';
import { callbackAnswered, trackCallbackAnswers } from './middlewares/callback-answers.ts';
import { personMiddleware } from './middlewares/person.ts';
import { createThrottle } from './middlewares/throttle.ts';
import type { ThrottleLimits } from './middlewares/throttle-limits.ts';
import { privateChatsOnly } from './middlewares/private-chat.ts';
import { createNotifier, type SendLimits } from './notifications.ts';
import { createQrPhotos } from './render/qr-photo.ts';

export type BotDeps = FeatureDeps & {
  /** Pace of outbox messages (tests shorten the per-chat gap). */
  sendLimits?: SendLimits;
  /** Translations, when the caller shares them (main does, with resumed broadcasts). */
  i18n?: I18n<BotContext>;
  /** Per-person limits other than the defaults (see throttle-limits.ts). */
  throttleLimits?: Partial<ThrottleLimits>;
};

/** Update types the bot asks Telegram for. */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'] as const;

/** Updates of one chat are handled in order; different chats in parallel. */
function chatKey(ctx: BotContext): string | undefined {
  return ctx.chat?.id.toString() ?? ctx.from?.id.toString();
}

/** Builds the bot. It does not connect to Telegram until started. */
export function createBot(deps: BotDeps) {
  const { config, services, logger } = deps;
  const bot = new Bot<BotContext>(config.BOT_TOKEN, { client: telegramClientOptions(config) });
  // Retries 429 and 5xx answers, waiting as long as Telegram asks (capped), and network errors.
  // Not getUpdates: the runner retries it at a steady pace (auto-retry's backoff grows to an
  // hour and hides each failure), so connect.ts sees every attempt and an outage ends promptly.
  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 });
  bot.api.config.use((prev, method, payload, signal) =>
    method === 'getUpdates' ? prev(method, payload, signal) : retry(prev, method, payload, signal),
  );
  // Every text and caption is HTML, set here once (kit/parse-mode.ts).
  bot.api.config.use(parseMode('HTML'));

  const i18n = deps.i18n ?? createI18n();
  bot.use(sequentialize(chatKey));
  bot.use(trackCallbackAnswers);
  bot.use(async (ctx, next) => {
    ctx.log = logger.child({ update_id: ctx.update.update_id, from: ctx.from?.id });
    await next();
  });
  bot.use(personMiddleware(services));
  // After the person is loaded: the negotiator reads the language they picked with /lang.
  bot.use(i18n);
  // Before sessions and conversations: a flood costs no more than the person lookup above.
  const throttle = createThrottle(services.clock, deps.throttleLimits);
  bot.use(throttle.middleware);
  // Admin tools, key cards, links and archives answer only in private chats (before any state is touched).
  bot.use(privateChatsOnly);
  bot.use(
    session({
      initial: (): SessionData => ({}),
      storage: services.storage<SessionData>('session'),
      getSessionKey: (ctx) => ctx.from?.id.toString(),
    }),
  );
  bot.use(
    conversations<BotContext, ConversationContext>({
      storage: {
        type: 'key',
        adapter: services.storage('conversation'),
        getStorageKey: (ctx) => ctx.chatId?.toString(),
      },
      // Inside a conversation the context is rebuilt: give it translations and the person again.
      plugins: [
        i18n as never,
        async (ctx, next) => {
          // A conversation's context has an Api of its own: HTML is set on it too.
          ctx.api.config.use(parseMode('HTML'));
          ctx.log = logger.child({ update_id: ctx.update.update_id, from: ctx.from?.id, conversation: true });
          ctx.role = ctx.from ? services.admins.roleOf(ctx.from.id) : 'user';
          ctx.person = ctx.from ? services.admins.get(ctx.from.id) : undefined;
          await next();
        },
      ],
    }),
  );

  const features = bot.errorBoundary((err) => handleError(err, services));
  // Admin first: its dialogs must see an admin's answers before any user feature does.
  const adminDeps = { ...deps, i18n };
  features.use(adminFeature(adminDeps));
  registerAdminAlerts(adminDeps, bot.api);
  // User features; the main menu lives in start, so it is installed before the rest.
  const userDeps = { ...deps, qr: createQrPhotos(), throttle };
  const menu = createMainMenu(userDeps);
  features.use(createStartFeature(userDeps, menu));
  features.use(createKeysFeature(userDeps));
  features.use(createNewKeyFeature(userDeps));
  features.use(createTrafficFeature(userDeps));
  features.use(createHelpFeature(userDeps));
  features.use(createLanguageFeature(userDeps));
  features.use(createBuyFeature(userDeps));
  // Last: what no feature took gets a hint with the menu.
  features.use(createFallbackFeature(menu));
  createNotifier(bot, { ...userDeps, i18n }, deps.sendLimits);

  bot.catch((err) => logger.error({ err: err.error }, 'unhandled bot error'));
  return bot;
}

/** Logs the failure, alerts the admins of bugs (throttled), answers the person politely; never rethrows. */
async function handleError(err: BotError<BotContext>, services: BotDeps['services']): Promise<void> {
  const ctx = err.ctx;
  const error = err.error;
  const level = error instanceof GrammyError || error instanceof HttpError ? 'warn' : 'error';
  ctx.log[level]({ err: error }, 'update failed');
  if (level === 'error') {
    const message = error instanceof Error ? error.message : String(error);
    services.admins.alert({ type: 'error', severity: 'error', data: { error: message.slice(0, 200) } });
  }
  try {
    // A query takes one answer: once answered (a handler got that far), the chat is told instead.
    if (ctx.callbackQuery && !callbackAnswered(ctx))
      await ctx.answerCallbackQuery({ text: ctx.t('error-generic') });
    else if (ctx.chat) await ctx.reply(ctx.t('error-generic'));
  } catch (replyError) {
    ctx.log.warn({ err: replyError }, 'could not tell the user about the error');
  }
}

/** Starts long polling with the runner; resolves once the bot is initialised (main connects through connectBot). */
export async function startPolling(bot: Bot<BotContext>): Promise<RunnerHandle> {
  await bot.init();
  await bot.api.deleteWebhook();
  return run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
}
