/**
 * The composition root: config → logger → db + migrations → core → services →
 * bot, HTTP server, control socket, jobs → signal handlers that stop them in reverse, once.
 */
import { pathToFileURL } from 'node:url';
import type { RunnerHandle } from '@grammyjs/runner';
import { publishCommands } from './bot/commands.ts';
import { resumeBroadcasts } from './bot/features/admin/broadcast.ts';
import { createI18n } from './bot/i18n.ts';
import { ALLOWED_UPDATES, createBot, startPolling } from './bot/index.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startControlServer } from './control/socket.ts';
import { startCore, wireCore } from './core-wiring.ts';
import { secureDataDir } from './data-dir.ts';
import { databasePath, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { createServer } from './http/index.ts';
import { startJobs } from './jobs/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { createServices } from './services/index.ts';
import { APP_VERSION } from './version.ts';

type Stopper = { name: string; stop: () => unknown };

/** Starts everything; returns a function that stops it all in reverse order, once. */
export async function startApp(config: Readonly<Config>, logger: Logger) {
  const stoppers: Stopper[] = [];
  let ready = false;
  let stopping: Promise<void> | undefined;

  const shutdown = () =>
    (stopping ??= (async () => {
      for (const { name, stop } of stoppers.reverse()) {
        try {
          await stop();
        } catch (err) {
          logger.error({ err, component: name }, 'error while stopping');
        }
      }
    })());

  try {
    const tightened = secureDataDir(config.dataDir);
    if (tightened.length > 0) {
      logger.warn(
        { dataDir: config.dataDir, files: tightened.length },
        'DATA_DIR was open to other users: made it owner-only',
      );
    }
    const db = openDatabase(databasePath(config.dataDir));
    stoppers.push({ name: 'db', stop: () => db.$client.close() });
    const migrations = runMigrations(db);
    logger.info({ applied: migrations.applied }, 'database ready');

    const services = createServices({ db, config, logger });
    const core = wireCore(config, services, logger);
    await startCore(core, services, logger);
    stoppers.push({ name: 'core', stop: () => core.stop() });
    const i18n = createI18n();
    const bot = createBot({ config, services, logger, i18n, system: services.system ?? undefined });
    // Broadcasts a restart cut short go on after their last counted recipient, before any
    // update can launch one; on the way out, a running one stops between two messages.
    await resumeBroadcasts({ config, services, logger, i18n }, bot.api);
    stoppers.push({ name: 'broadcasts', stop: () => services.broadcasts.pause() });

    const server = createServer({
      config,
      services,
      logger,
      bot,
      health: {
        isReady: () => ready,
        coreStatus: async () => ({ ...(await core.status()) }),
      },
    });
    await server.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
    stoppers.push({ name: 'http', stop: () => server.close() });
    logger.info({ url: `http://${config.HTTP_HOST}:${config.HTTP_PORT}` }, 'HTTP server listening');

    const control = await startControlServer({ dataDir: config.dataDir, services, logger });
    stoppers.push({ name: 'control', stop: () => control.close() });

    if (config.BOT_MODE === 'webhook') {
      await bot.init();
      await bot.api.setWebhook(config.WEBHOOK_URL ?? '', {
        secret_token: config.WEBHOOK_SECRET,
        allowed_updates: [...ALLOWED_UPDATES],
      });
      logger.info('bot webhook set');
    } else {
      const runner: RunnerHandle = await startPolling(bot);
      stoppers.push({ name: 'bot', stop: () => runner.isRunning() && runner.stop() });
      logger.info({ username: bot.botInfo.username }, 'bot polling');
    }

    await publishCommands(bot.api, services, logger);
    const jobs = startJobs({ services, logger });
    stoppers.push({ name: 'jobs', stop: () => jobs.stop() });

    ready = true;
    logger.info({ version: APP_VERSION }, 'xkeeper started');
  } catch (error) {
    await shutdown();
    throw error;
  }
  return shutdown;
}

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`xkeeper: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.LOG_LEVEL });
  let shutdown: () => Promise<void>;
  try {
    shutdown = await startApp(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    void shutdown().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

// Run only as the entry point (`npm start`, or pm2, which sets pm_id and loads the script
// from its own container), so tests can import startApp.
const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isEntry || process.env.pm_id !== undefined) await main();
