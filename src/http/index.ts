/** The HTTP server: health, API, subscriptions, docs, metrics, Telegram webhook (Fastify). */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { webhookCallback, type Bot } from 'grammy';
import type { BotContext } from '../bot/context.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Services } from '../services/index.ts';
import { installAuth } from './auth.ts';
import { frameworkErrors, installErrorHandlers } from './errors.ts';
import { installMetrics } from './metrics.ts';
import { installOpenApi } from './openapi.ts';
import { planRoutes } from './routes/plans.ts';
import { promoRoutes } from './routes/promos.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { healthRoutes, type HealthSource } from './routes/health.ts';
import { nodeRoutes } from './routes/nodes.ts';
import { paymentWebhookRoutes } from './routes/payment-webhooks.ts';
import { statsRoutes } from './routes/stats.ts';
import { subscriptionRoutes, subscriptionSettingsRoutes } from './routes/subscription.ts';
import { systemRoutes } from './routes/system.ts';
import { userRoutes } from './routes/users.ts';
import { lazyChildLogger } from './request-logger.ts';
import { createSerializerCompiler } from './serializer.ts';

/** API keys' last use and request counts are written this often (and on close). */
const USAGE_FLUSH_MS = 5000;

/**
 * Limits for a small server facing strangers: a client gets 10 s to send a whole request
 * (headers and body; checked every second), an idle keep-alive socket is closed after 5 s,
 * a silent one after 30 s, and at most 1,024 connections are open at once. A client that
 * announces a large body and trickles it never holds a connection for long. (No per-socket
 * request cap: past one Node answers 503 on the still-open socket to any client that ignores
 * `Connection: close`, and the timeouts already bound what one socket can hold.)
 */
export const HTTP_LIMITS = {
  requestTimeoutMs: 10_000,
  checkEveryMs: 1_000,
  keepAliveTimeoutMs: 5_000,
  idleSocketTimeoutMs: 30_000,
  maxConnections: 1_024,
  /** Bodies: the API's largest is a batch of 100 users. */
  bodyBytes: 1024 * 1024,
  /** Payment provider notifications are small. */
  webhookBodyBytes: 64 * 1024,
} as const;

export interface ServerDeps {
  config: Readonly<Config>;
  services: Services;
  logger: Logger;
  health: HealthSource;
  /** Served at POST /telegram/webhook when BOT_MODE=webhook. */
  bot?: Bot<BotContext>;
  /** Stricter limits than HTTP_LIMITS (tests of the connection cap). */
  limits?: Partial<Record<keyof typeof HTTP_LIMITS, number>>;
  /** Also check every JSON answer against its zod schema before writing it (the tests do). */
  checkResponses?: boolean;
}

/** JSON only; an empty JSON body counts as no body (action routes take an optional one). */
function installJsonBodies(api: FastifyInstance): void {
  const parseJson = api.getDefaultJsonParser('error', 'error');
  api.removeAllContentTypeParsers();
  api.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(request, body as string, done);
  });
}

/** Builds the server; call `listen()` on it (or `inject()` in tests). */
export function createServer(deps: ServerDeps): FastifyInstance {
  const { services, logger } = deps;
  const limits = { ...HTTP_LIMITS, ...deps.limits };
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Request lines would log API keys' prefixes and tokens in URLs; routes log what matters.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleSocketTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks requestTimeout and headersTimeout on this beat (30 s by default).
    http: {
      connectionsCheckingInterval: limits.checkEveryMs,
      headersTimeout: limits.requestTimeoutMs,
    },
    frameworkErrors,
    // Trust one hop (the reverse proxy that connects to us): the client is the address it
    // appended to X-Forwarded-For, not whatever the client wrote there itself.
    trustProxy: deps.config.TRUST_PROXY ? (_address: string, hop: number) => hop === 0 : false,
  });
  app.server.maxConnections = limits.maxConnections;
  // Requests are parsed with zod; answers are written by fast-json-stringify from the same schemas.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(createSerializerCompiler({ check: deps.checkResponses }));
  installErrorHandlers(app, logger);
  installOpenApi(app, { publicUrl: deps.config.publicUrl });
  installMetrics(app, services, deps.health);

  const startedAt = Date.now();
  void app.register(
    async (api) => {
      installJsonBodies(api);
      installAuth(api, services);
      healthRoutes(api, deps.health, startedAt);
      userRoutes(api, services);
      statsRoutes(api, services);
      systemRoutes(api, services);
      nodeRoutes(api, services);
      apiKeyRoutes(api, services);
      subscriptionSettingsRoutes(api, services);
      planRoutes(api, services);
      promoRoutes(api, services);
    },
    { prefix: '/api/v1' },
  );
  void app.register(async (sub) => subscriptionRoutes(sub, services));
  void app.register(async (hooks) => {
    hooks.addHook('onRoute', (route) => {
      route.bodyLimit ??= limits.webhookBodyBytes;
    });
    paymentWebhookRoutes(hooks, services, deps.config);
  });

  let flushTimer: NodeJS.Timeout | undefined;
  const flushUsage = () => {
    try {
      services.apiKeys.flushUsage();
    } catch (err) {
      logger.error({ err }, 'could not write API key usage');
    }
  };
  app.addHook('onReady', async () => {
    flushTimer = setInterval(flushUsage, USAGE_FLUSH_MS).unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(flushTimer);
    flushUsage();
  });

  if (deps.bot && deps.config.BOT_MODE === 'webhook') {
    // grammY checks X-Telegram-Bot-Api-Secret-Token against the secret (401 otherwise).
    const handle = webhookCallback(deps.bot, 'fastify', { secretToken: deps.config.WEBHOOK_SECRET });
    app.post('/telegram/webhook', { schema: { hide: true } }, handle);
  }
  return app;
}
