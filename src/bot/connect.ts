/**
 * Connects the bot to Telegram in the background, so the VPN, its accounting and the HTTP API
 * never wait for the Bot API: many hosts cannot reach it (blocked or filtered). Each failed
 * attempt logs one line with the reason and the next try (backoff capped at a minute); the
 * first also says how to get through (a proxy or a self-hosted Bot API server). A token that
 * Telegram refuses (401) ends the attempts: retrying cannot fix it.
 *
 * Once polling, the state follows the runner's getUpdates: two failed attempts in a row (or
 * one left unanswered past its long poll) mean Telegram is lost, so one dropped poll does not
 * flap; the next answer means it is back. Each change logs one line, not one per retry.
 * The runner gives up on a 409 (another process polls with this token) or a 401 (token
 * revoked): that is a loss too, and polling starts again later (backoff capped at a minute),
 * so the process, and the VPN it supervises, never stop for it.
 * In webhook mode Telegram calls us: there is nothing to poll, so the state stays connected.
 */
import { run, type RunnerHandle } from '@grammyjs/runner';
import { Api, type Bot, GrammyError, HttpError } from 'grammy';
import type * as HttpsProxyAgentModule from 'https-proxy-agent';
import type * as SocksProxyAgentModule from 'socks-proxy-agent';
import type { Config } from '../config.ts';
import { maskSecrets, type Logger } from '../logger.ts';
import { isLoopbackHost } from '../loopback.ts';
import type { BotContext } from './context.ts';
import { ALLOWED_UPDATES } from './index.ts';
import { watchPolling, type PollOutcome } from './poll-watch.ts';
import { lazyModule } from '../lazy-module.ts';

// Loaded only when a proxy is set.
const httpsProxyAgent = lazyModule<typeof HttpsProxyAgentModule>('https-proxy-agent');
const socksProxyAgent = lazyModule<typeof SocksProxyAgentModule>('socks-proxy-agent');

/** Where the bot stands with Telegram: not tried yet, up, or the last attempt failed. */
export type TelegramState = 'connecting' | 'connected' | 'unreachable';

/** Telegram refused BOT_TOKEN: start-up fails. */
export class TokenRejectedError extends Error {
  constructor(description: string) {
    super(`Telegram refused BOT_TOKEN (${description}): copy the token @BotFather gave you into BOT_TOKEN`);
    this.name = 'TokenRejectedError';
  }
}

/** A getMe that gets no answer within this is a failed attempt (grammY's default is 500 s). */
const PROBE_TIMEOUT_SECONDS = 20;

/** Failed getUpdates in a row that mean Telegram is lost (a timed-out one counts for all). */
const FAILURES_UNTIL_LOST = 2;

/**
 * The runner retries a failed getUpdates at this steady pace: its default backoff doubles
 * without bound, so after a long outage the bot would stay deaf for hours once Telegram is back.
 */
const POLL_RETRY_MS = 3_000;

/** Said once, after the first failed attempt: how to get through. */
function hintFor(config: Readonly<Config>): string {
  const kept = 'the VPN, traffic accounting, limits and the HTTP API keep working meanwhile.';
  if (telegramProxy(config)) {
    return `Telegram Bot API not reachable through the proxy in ${config.TELEGRAM_PROXY ? 'TELEGRAM_PROXY' : 'HTTPS_PROXY'}; ${kept} Check that the proxy runs and can reach ${config.TELEGRAM_API_ROOT}.`;
  }
  return (
    `Telegram Bot API not reachable from this host; ${kept} Where Telegram is blocked, set TELEGRAM_PROXY ` +
    '(or HTTPS_PROXY) to an http:// or socks5:// proxy, or TELEGRAM_API_ROOT to a self-hosted Bot API server.'
  );
}

/** The proxy for Bot API calls, if any. */
function telegramProxy(config: Readonly<Config>): string | undefined {
  // A machine-wide HTTPS_PROXY is not for a Bot API server on this machine; TELEGRAM_PROXY is explicit.
  const local = isLoopbackHost(new URL(config.TELEGRAM_API_ROOT).hostname);
  return config.TELEGRAM_PROXY ?? (local ? undefined : config.HTTPS_PROXY);
}

/**
 * grammY client options for Bot API calls: the API root and, when TELEGRAM_PROXY (or
 * HTTPS_PROXY) is set, an agent that tunnels through that proxy.
 */
export function telegramClientOptions(config: Readonly<Config>) {
  const proxy = telegramProxy(config);
  const agent = !proxy
    ? undefined
    : proxy.startsWith('socks')
      ? new (socksProxyAgent().SocksProxyAgent)(proxy)
      : new (httpsProxyAgent().HttpsProxyAgent)(proxy);
  return {
    apiRoot: config.TELEGRAM_API_ROOT,
    ...(agent && { baseFetchConfig: { agent } }),
  };
}

export interface BotConnectionOptions {
  bot: Bot<BotContext>;
  config: Readonly<Config>;
  logger: Logger;
  /** Run once Telegram answers, before any update is fetched. */
  beforeUpdates?: () => Promise<unknown>;
  /** Run once updates flow (or the webhook is set). */
  afterConnect?: () => Promise<unknown>;
  /** First retry delay (default 1 s), doubled per failure up to `retryMaxMs` (default 60 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Told when polling loses Telegram and when it answers again (not during the first connect). */
  onLinkChange?: (change: TelegramLinkChange) => void;
}

/** Polling lost Telegram, or Telegram answers again after `downSeconds`; `reason` of the loss. */
export type TelegramLinkChange =
  { state: 'unreachable'; reason: string } | { state: 'connected'; reason: string; downSeconds: number };

export interface BotConnection {
  readonly state: TelegramState;
  /** Resolves once connected; rejects with TokenRejectedError. Never rejects once stopped. */
  readonly connected: Promise<void>;
  /** Gives up connecting, or stops fetching updates. */
  stop(): Promise<void>;
}

/** The reason of a failed call in a few words, without the token its URL carries. */
function reasonOf(error: unknown): string {
  const cause = error instanceof HttpError ? error.error : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  // node-fetch says "request to <url> failed, reason: <why>": the why is what helps.
  return maskSecrets(/, reason: (.*)$/.exec(message)?.[1] ?? message);
}

/** Starts connecting the bot in the background; see the module comment. */
export function connectBot(options: BotConnectionOptions): BotConnection {
  const { bot, config, logger } = options;
  const initial = options.retryInitialMs ?? 1_000;
  const max = options.retryMaxMs ?? 60_000;
  const abort = new AbortController();
  let state: TelegramState = 'connecting';
  let runner: RunnerHandle | undefined;
  // One proxy agent for every attempt.
  const clientOptions = { ...telegramClientOptions(config), timeoutSeconds: PROBE_TIMEOUT_SECONDS };

  let failures = 0;
  let firstFailureAt = 0;
  let lostReason = '';
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  const tell = (change: TelegramLinkChange) => {
    try {
      options.onLinkChange?.(change);
    } catch (err) {
      logger.error({ err }, 'could not record the change of the link to Telegram');
    }
  };
  /** Flips the state on the runner's getUpdates outcomes; see the module comment. */
  const onPoll = (outcome: PollOutcome) => {
    if (outcome.ok) {
      failures = 0;
      restarts = 0;
      if (state !== 'unreachable') return;
      state = 'connected';
      const downSeconds = Math.round((Date.now() - firstFailureAt) / 1000);
      logger.info({ down_s: downSeconds }, `Telegram answers again after ${downSeconds} s; the bot is back`);
      tell({ state: 'connected', reason: lostReason, downSeconds });
      return;
    }
    if (failures === 0) firstFailureAt = Date.now();
    failures += outcome.timedOut ? FAILURES_UNTIL_LOST : 1;
    const reason = reasonOf(outcome.error);
    logger.debug({ reason, failures }, 'getUpdates failed');
    if (failures >= FAILURES_UNTIL_LOST) markLost(reason);
  };
  /** Connected → unreachable, said once. */
  const markLost = (reason: string) => {
    if (state !== 'connected') return;
    if (failures === 0) firstFailureAt = Date.now();
    state = 'unreachable';
    lostReason = reason;
    logger.warn(
      { reason },
      `lost Telegram: ${reason}; the bot keeps trying; the VPN, traffic accounting, limits ` +
        'and the HTTP API keep working',
    );
    tell({ state: 'unreachable', reason });
  };

  const startPolling = () => {
    runner = run(bot, {
      runner: {
        fetch: { allowed_updates: [...ALLOWED_UPDATES] },
        retryInterval: POLL_RETRY_MS,
        maxRetryTime: Infinity, // never give up polling (default: 15 h)
        silent: true, // onPoll logs the changes, not each retry
      },
    });
    // A 409 or 401 stops the runner (its task rejects): a loss; poll again after a pause.
    runner.task()?.catch((error: unknown) => {
      if (abort.signal.aborted) return;
      markLost(reasonOf(error));
      const delay = Math.min(max, initial * 2 ** restarts++);
      restartTimer = setTimeout(startPolling, delay);
    });
  };

  const connectOnce = async () => {
    // A separate client without the bot's auto-retry: one attempt, bounded in time.
    const probe = new Api(config.BOT_TOKEN, clientOptions);
    // grammY types the signal as its polyfill's; node-fetch takes the built-in one.
    const signal = abort.signal as Parameters<Api['getMe']>[0];
    bot.botInfo = await probe.getMe(signal);
    if (abort.signal.aborted) return;
    await options.beforeUpdates?.();
    if (config.BOT_MODE === 'webhook') {
      await bot.api.setWebhook(
        config.WEBHOOK_URL ?? '',
        { secret_token: config.WEBHOOK_SECRET, allowed_updates: [...ALLOWED_UPDATES] },
        signal,
      );
      logger.info({ username: bot.botInfo.username }, 'bot webhook set');
    } else {
      await bot.api.deleteWebhook(undefined, signal);
      if (abort.signal.aborted) return;
      watchPolling(bot.api, onPoll, () => state === 'unreachable');
      startPolling();
      logger.info({ username: bot.botInfo.username }, 'bot polling');
    }
    state = 'connected';
    await options.afterConnect?.();
  };

  const loop = async () => {
    for (let failures = 0; !abort.signal.aborted; failures++) {
      try {
        await connectOnce();
        return;
      } catch (error) {
        if (abort.signal.aborted) return;
        if (error instanceof GrammyError && error.error_code === 401) {
          throw new TokenRejectedError(error.description);
        }
        state = 'unreachable';
        const delay = Math.min(max, initial * 2 ** failures);
        const seconds = Math.round(delay / 100) / 10;
        logger.warn(
          { reason: reasonOf(error), attempt: failures + 1, retry_in_s: seconds },
          `cannot reach Telegram: ${reasonOf(error)}; next try in ${seconds} s`,
        );
        if (failures === 0) logger.warn(hintFor(config));
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, delay);
          abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), {
            once: true,
          });
        });
      }
    }
  };

  const connected = loop();
  return {
    get state() {
      return state;
    },
    connected,
    async stop() {
      abort.abort();
      clearTimeout(restartTimer);
      await connected.catch(() => undefined);
      if (runner?.isRunning()) await runner.stop();
    },
  };
}
