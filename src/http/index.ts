/** The HTTP server: health, API, webhooks, subscriptions (Fastify). */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { webhookCallback, type Bot } from 'grammy';
import type { BotContext } from '../bot/context.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Services } from '../services/index.ts';
import { installErrorHandlers } from './errors.ts';
import { healthRoutes, type HealthSource } from './routes/health.ts';

export interface ServerDeps {
  config: Readonly<Config>;
  services: Services;
  logger: Logger;
  health: HealthSource;
  /** Served at POST /telegram/webhook when BOT_MODE=webhook. */
  bot?: Bot<BotContext>;
}

/** Builds the server; call `listen()` on it (or `inject()` in tests). */
export function createServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Request lines would log API keys' prefixes and tokens in URLs; routes log what matters.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: deps.config.TRUST_PROXY,
  });
  installErrorHandlers(app, deps.logger);
  healthRoutes(app, deps.health, Date.now());
  if (deps.bot && deps.config.BOT_MODE === 'webhook') {
    // grammY checks X-Telegram-Bot-Api-Secret-Token against the secret (401 otherwise).
    const handle = webhookCallback(deps.bot, 'fastify', { secretToken: deps.config.WEBHOOK_SECRET });
    app.post('/telegram/webhook', handle);
  }
  return app;
}
