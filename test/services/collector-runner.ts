/**
 * A stand-alone xkeeper collector for the crash-safety test: it opens DATA_DIR's database,
 * talks to the already running core over its API and collects in a tight loop until killed.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { wireCore } from '../../src/core-wiring.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { createServices } from '../../src/services/index.ts';

const config = loadConfig(process.env, { dotenv: false, requireBotToken: false });
const logger = createLogger({ level: 'silent', pretty: false });
const db = openDatabase(path.join(config.dataDir, 'xkeeper.db'));
const services = createServices({ db, config, logger });
wireCore(config, services, logger);

let cycles = 0;
for (;;) {
  await services.traffic.collect();
  if (++cycles === 1) process.stdout.write('ready\n');
}
