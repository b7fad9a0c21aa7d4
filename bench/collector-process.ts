/**
 * The production collector alone in a process, for an honest resident-memory figure:
 * config, DB, services and the core adapter, running the collect-traffic job a few times
 * against the core at CORE_API_PORT. Runs compiled (see tsconfig.collector.json) and with
 * `--expose-gc`, as `npm start` runs the product.
 * Prints `{ rss_mb, peak_rss_mb, heap_mb, charged }` as JSON.
 */
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { loadConfig } from '../src/config.ts';
import { wireCore } from '../src/core-wiring.ts';
import { openDatabase } from '../src/db/client.ts';
import { createLogger } from '../src/logger.ts';
import { jobSpecs } from '../src/jobs/index.ts';
import { createServices } from '../src/services/index.ts';

const CYCLES = 6;
const config = loadConfig(process.env, { dotenv: false, requireBotToken: false });
const logger = createLogger({ level: 'silent', pretty: false });
const db = openDatabase(path.join(config.dataDir, 'xkeeper.db'));
const services = createServices({ db, config, logger });
wireCore(config, services, logger);
const job = jobSpecs(services).find((spec) => spec.name === 'collect-traffic')!;
for (let i = 0; i < CYCLES; i++) await job.run();
const charged = services.traffic.lastCollect()?.keys ?? 0;
// Steady state: what stays between cycles, not the garbage of the last one (let the gRPC
// stream close first, or its buffers are still referenced).
await tick();
(globalThis as { gc?: () => void }).gc?.();
const { rss, heapUsed } = process.memoryUsage();
const peak = process.resourceUsage().maxRSS * 1024; // kilobytes
const mb = (bytes: number) => bytes / 2 ** 20;
process.stdout.write(
  `${JSON.stringify({ rss_mb: mb(rss), peak_rss_mb: mb(peak), heap_mb: mb(heapUsed), charged })}\n`,
);
process.exit(0);
