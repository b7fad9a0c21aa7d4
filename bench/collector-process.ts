/**
 * The production collector alone in a process, for an honest resident-memory figure:
 * config, DB, services and the core adapter, collecting a few cycles from the core at
 * CORE_API_PORT. Prints `{ rss_mb, heap_mb }` as JSON.
 */
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { wireCore } from '../src/core-wiring.ts';
import { openDatabase } from '../src/db/client.ts';
import { createLogger } from '../src/logger.ts';
import { createServices } from '../src/services/index.ts';

const config = loadConfig(process.env, { dotenv: false, requireBotToken: false });
const logger = createLogger({ level: 'silent', pretty: false });
const db = openDatabase(path.join(config.dataDir, 'xkeeper.db'));
const services = createServices({ db, config, logger });
wireCore(config, services, logger);
let charged = 0;
for (let i = 0; i < 4; i++) {
  charged = (await services.traffic.collect())?.keys ?? 0;
  await services.limits.enforce();
}
// Steady state: what stays between cycles, not the garbage of the last one.
(globalThis as { gc?: () => void }).gc?.();
const { rss, heapUsed } = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ rss_mb: rss / 2 ** 20, heap_mb: heapUsed / 2 ** 20, charged })}\n`);
process.exit(0);
