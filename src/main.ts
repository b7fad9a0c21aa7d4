/**
 * The composition root: config → logger → signal handlers → DATA_DIR lock → db + migrations →
 * services → core → HTTP server, control socket, jobs → the bot, which connects to Telegram in
 * the background. Stopping runs in reverse, once.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { publishCommands } from './bot/commands.ts';
import { resumeBroadcasts } from './bot/features/admin/broadcast/index.ts';
import { createI18n } from './bot/i18n.ts';
import { connectBot, TokenRejectedError, type BotConnection } from './bot/connect.ts';
import { createBot } from './bot/index.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startControlServer } from './control/socket.ts';
import { startCore, wireCore, wireNodes } from './core-wiring.ts';
import { AlreadyRunningError, lockDataDir } from './data-dir-lock.ts';
import { secureDataDir } from './data-dir.ts';
import { startCheckpointer } from './db/checkpointer.ts';
import { databasePath, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { createServer } from './http/index.ts';
import { startJobs } from './jobs/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { createServices } from './services/index.ts';
import { warnAboutTraps } from './startup-warnings.ts';
import { recordTelegramChange } from './telegram-incidents.ts';
import { APP_VERSION } from './version.ts';

type Stopper = { name: string; stop: () => unknown };

/** Options of {@link createApp} (tests shorten the Telegram retry delays). */
export interface AppOptions {
  telegramRetryInitialMs?: number;
}

/**
 * The app with its parts. `start()` brings up everything but the bot, which connects to
 * Telegram in the background (`done` rejects if Telegram refuses the token); `stop()` stops
 * what runs in reverse order, once, and may be called while `start()` is still going.
 */
export function createApp(config: Readonly<Config>, logger: Logger, options: AppOptions = {}) {
  const stoppers: Stopper[] = [];
  let ready = false;
  let stopping: Promise<void> | undefined;
  let telegram: BotConnection | undefined;
  let failed: (error: unknown) => void = () => undefined;
  const done = new Promise<void>((_resolve, reject) => (failed = reject));
  done.catch(() => undefined);

  const stop = () =>
    (stopping ??= (async () => {
      for (const { name, stop } of stoppers.reverse()) {
        try {
          await stop();
        } catch (err) {
          logger.error({ err, component: name }, 'error while stopping');
        }
      }
    })());

  /** Registers a running part; one that comes up after stop() began is stopped at once. */
  const own = async (name: string, stopPart: () => unknown) => {
    stoppers.push({ name, stop: stopPart });
    if (stopping) {
      await stopPart();
      throw new Error('stopped during start-up');
    }
  };

  const start = async () => {
    try {
      // Owner-only from the first file on (umask 077, DATA_DIR 0700); this changes modes only.
      const tightened = secureDataDir(config.dataDir);
      if (tightened.length > 0) {
        logger.warn(
          { dataDir: config.dataDir, files: tightened.length },
          'DATA_DIR was open to other users: made it owner-only',
        );
      }
      // Before anything in DATA_DIR is touched: a second instance must leave the first alone.
      const unlock = lockDataDir(config.dataDir);
      await own('lock', unlock);
      const db = openDatabase(databasePath(config.dataDir));
      await own('db', () => db.$client.close());
      const migrations = runMigrations(db);
      logger.info({ applied: migrations.applied }, 'database ready');
      const checkpoints = startCheckpointer(db.$client, (error) =>
        logger.warn({ error }, 'WAL checkpoint failed; the next one retries'),
      );
      await own('checkpoints', () => checkpoints.stop());

      const services = createServices({ db, config, logger });
      warnAboutTraps(config, services, logger);
      const core = wireCore(config, services, logger);
      await startCore(core, services, logger);
      await own('core', () => core.stop());
      // Remote nodes: one worker each, on their own (none of them waits for another).
      const nodeWorkers = wireNodes(services, logger, { local: core });
      nodeWorkers.start();
      await own('nodes', () => nodeWorkers.stop());
      const i18n = createI18n();
      const bot = createBot({
        config,
        services,
        logger,
        i18n,
        system: services.system ?? undefined,
        // Loaded when first used: the SSH layer is not needed to start.
        hostKeyOf: async (t) =>
          (await import('./core/remote/ssh.ts')).scanHostKey({
            username: t.user,
            host: t.host,
            port: t.port,
          }),
      });
      await own('broadcasts', () => services.broadcasts.pause());

      const server = createServer({
        config,
        services,
        logger,
        bot,
        health: {
          isReady: () => ready,
          coreStatus: async () => ({ ...(await core.status()) }),
          telegramState: () => telegram?.state ?? 'connecting',
        },
      });
      await server.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
      await own('http', () => server.close());
      logger.info({ url: `http://${config.HTTP_HOST}:${config.HTTP_PORT}` }, 'HTTP server listening');

      const control = await startControlServer({ dataDir: config.dataDir, services, logger });
      await own('control', () => control.close());
      const jobs = startJobs({ services, logger });
      await own('jobs', () => jobs.stop());

      // Only the bot waits for Telegram; everything above serves without it.
      telegram = connectBot({
        bot,
        config,
        logger,
        retryInitialMs: options.telegramRetryInitialMs,
        // Broadcasts a restart cut short go on after their last counted recipient, before any
        // update can launch one; on the way out, a running one stops between two messages.
        beforeUpdates: () => resumeBroadcasts({ config, services, logger, i18n }, bot.api),
        afterConnect: () => publishCommands(bot.api, services, logger),
        onLinkChange: (change) => recordTelegramChange(services, change),
      });
      telegram.connected.catch(failed);
      await own('bot', () => telegram?.stop());

      ready = true;
      logger.info({ version: APP_VERSION }, 'xkeeper started');
    } catch (error) {
      await stop();
      throw error;
    }
  };

  return { start, stop, done };
}

/** Starts everything; returns a function that stops it all in reverse order, once. */
export async function startApp(config: Readonly<Config>, logger: Logger, options: AppOptions = {}) {
  const app = createApp(config, logger, options);
  await app.start();
  return app.stop;
}

/** Failures an operator fixes from one line: no stack trace. */
function isOneLineFailure(error: unknown): error is Error {
  return error instanceof AlreadyRunningError || error instanceof TokenRejectedError;
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
  const app = createApp(config, logger);
  let signalled = false;
  const fail = async (error: unknown) => {
    if (signalled) return; // start-up cut short by the signal: onSignal exits
    await app.stop();
    if (isOneLineFailure(error)) process.stderr.write(`xkeeper: ${error.message}\n`);
    else logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  };
  // Installed first: a signal during start-up still stops the core and frees the socket.
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = true;
    logger.info({ signal }, 'stopping');
    void app.stop().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  app.done.catch(fail);
  await app.start().catch(fail);
}

// Run only as the entry point (`npm start`, or pm2, which sets pm_id and loads the script
// from its own container), so tests can import startApp.
// Compared by real path: dist/ is a symlink to the current build.
const isEntry =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isEntry || process.env.pm_id !== undefined) await main();
