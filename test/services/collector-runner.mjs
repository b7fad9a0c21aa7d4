/**
 * A stand-alone xkeeper collector for the crash-safety test, from the compiled build (dist/,
 * what users run; plain node starts it in a fraction of the time tsx needs): it opens
 * DATA_DIR's database, talks to the already running core over its API (and to every other node
 * through its driver, as main.ts wires them; their workers are not started) and collects in a
 * tight loop until killed.
 */
import path from 'node:path';
import process from 'node:process';
import { loadConfig } from '../../dist/config.js';
import { wireCore, wireNodes } from '../../dist/core-wiring.js';
import { openDatabase } from '../../dist/db/client.js';
import { createLogger } from '../../dist/logger.js';
import { createServices } from '../../dist/services/index.js';

const config = loadConfig(process.env, { dotenv: false, requireBotToken: false });
const logger = createLogger({ level: 'silent', pretty: false });
const db = openDatabase(path.join(config.dataDir, 'xkeeper.db'));
const services = createServices({ db, config, logger });
wireCore(config, services, logger);
wireNodes(services, logger);

let cycles = 0;
for (;;) {
  await services.traffic.collect();
  if (++cycles === 1) process.stdout.write('ready\n');
}
