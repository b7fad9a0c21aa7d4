/**
 * One traffic collection cycle at 10,000 and 100,000 keys. No test can open 100k real
 * connections, so the core side is a synthetic gRPC server speaking V2Fly's StatsService
 * with that many counters (every counter moves every cycle: the worst case). Baseline,
 * measured in the same run: the bare QueryStats round trip plus one raw better-sqlite3
 * transaction updating the same rows.
 */
import { randomUUID } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreApi } from '../src/core/api.ts';
import { createCore } from '../src/core/index.ts';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createLogger } from '../src/logger.ts';
import { createServices } from '../src/services/index.ts';
import { loadConfig } from '../src/config.ts';
import { startFlags } from '../test/helpers/product.ts';
import { timeMs, type Row } from './table.ts';

const SYNTHETIC = fileURLToPath(new URL('./synthetic-core.ts', import.meta.url));
const COLLECTOR_BUILD = fileURLToPath(new URL('./tsconfig.collector.json', import.meta.url));
const COLLECTOR = fileURLToPath(
  new URL('../node_modules/.cache/xkeeper-bench/bench/collector-process.js', import.meta.url),
);
const logger = createLogger({ level: 'silent', pretty: false });

/**
 * Runs the synthetic core in its own process, so resident memory is xkeeper's alone (see
 * synthetic-core.ts). With `netns`, inside that network namespace: its port is then on the
 * namespace's loopback, as a node's API is on the node's.
 */
export async function startSyntheticCore(users: number, preEncoded = 0, netns?: string) {
  const node = [process.execPath, '--import', 'tsx', SYNTHETIC, String(users), String(preEncoded)];
  const [command, ...args] = netns ? ['ip', 'netns', 'exec', netns, ...node] : node;
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  const names = Array.from({ length: users }, (_, i) => `u${i}`);
  return { port, names, close: () => child.kill('SIGKILL') };
}

/** Compiles the collector process with the product's build settings (see tsconfig.collector.json). */
function buildCollector(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', COLLECTOR_BUILD], { stdio: 'inherit' });
}

interface CollectorMemory {
  rss_mb: number;
  peak_rss_mb: number;
  heap_mb: number;
}

/** Resident memory of the production collector alone, run compiled in its own process on `dir`. */
async function collectorMemory(dir: string, port: number): Promise<CollectorMemory> {
  const env = {
    ...process.env,
    DATA_DIR: dir,
    CORE_BIN: 'v2ray',
    CORE_MANAGED: 'false',
    CORE_API_PORT: String(port),
  };
  // npm start's node flags (the young generation's size among them), as the product runs.
  const child = spawn(process.execPath, [...startFlags(), COLLECTOR], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(child, 'exit');
  return JSON.parse(out) as CollectorMemory;
}

async function measure(users: number): Promise<Row[]> {
  const synthetic = await startSyntheticCore(users);
  const dir = mkdtempSync(path.join(tmpdir(), 'xk-bench-'));
  const db = openDatabase(path.join(dir, 'xkeeper.db'));
  runMigrations(db);
  const insert = db.$client.prepare('INSERT INTO keys (name, uuid, sub_token) VALUES (?, ?, ?)');
  db.$client.transaction(() => {
    for (const name of synthetic.names) insert.run(name, randomUUID(), randomUUID());
  })();
  const config = loadConfig(
    {
      BOT_TOKEN: '1:bench-token-bench-token-bench',
      CORE_BIN: 'v2ray',
      CORE_MANAGED: 'false',
      CORE_API_PORT: String(synthetic.port),
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
    },
    { dotenv: false },
  );
  const services = createServices({ db, config, logger });
  // The worst case: a webhook receiver is set, so the collector's first cycle also queues a
  // user.first_connected event for each of the keys.
  services.settings.set('webhookUrls', ['http://127.0.0.1:9/hook']);
  const core = createCore({
    config,
    logger,
    getDesiredState: () => ({ reality: { privateKey: '', shortIds: [] }, users: [] }),
  });
  services.attachCore(core);
  await services.traffic.collect(); // warm-up: baselines exist from here on

  const cycles = 3;
  let collectMs = Infinity;
  for (let i = 0; i < cycles; i++)
    collectMs = Math.min(collectMs, await timeMs(() => services.traffic.collect()));

  // Baseline: the same round trip and the same rows written by plain per-row statements in
  // one transaction (keys by id, counter baselines, per-day rows), with nothing in between.
  const api = new CoreApi({ flavor: 'v2fly', port: synthetic.port });
  const updateKey = db.$client.prepare(
    `UPDATE keys SET upload_bytes = upload_bytes + ?, download_bytes = download_bytes + ?,
       lifetime_used_bytes = lifetime_used_bytes + ? WHERE id = ?`,
  );
  const upsertCounter = db.$client.prepare(
    `INSERT INTO core_counters (core_id, name, value, updated_at) VALUES ('bench', ?, ?, ?)
     ON CONFLICT (core_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  const upsertDay = db.$client.prepare(
    `INSERT INTO key_usage_daily (key_id, day, upload_bytes, download_bytes) VALUES (?, '2000-01-01', ?, ?)
     ON CONFLICT (key_id, day) DO UPDATE SET upload_bytes = upload_bytes + excluded.upload_bytes,
       download_bytes = download_bytes + excluded.download_bytes`,
  );
  let baselineMs = Infinity;
  for (let i = 0; i < cycles; i++) {
    baselineMs = Math.min(
      baselineMs,
      await timeMs(async () => {
        const stats = await api.queryStats('user>>>');
        const now = Date.now();
        db.$client.transaction(() => {
          for (const stat of stats) upsertCounter.run(stat.name, stat.value, now);
          for (let id = 1; id <= stats.length / 2; id++) {
            updateKey.run(1000, 5000, 6000, id);
            upsertDay.run(id, 1000, 5000);
          }
        })();
      }),
    );
  }
  api.close();
  await core.stop();
  db.$client.close();
  const memory = await collectorMemory(dir, synthetic.port);
  synthetic.close();
  rmSync(dir, { recursive: true, force: true });
  const label = users.toLocaleString('en-US');
  const budget = users >= 100_000 ? 3000 : 300;
  return [
    {
      name: `collection cycle, ${label} keys (all moving)`,
      value: collectMs,
      unit: 'ms',
      baseline: baselineMs,
      ratio: baselineMs / collectMs,
      target: `≤ 1.5× baseline (ratio ≥ 0.67), ≤ ${budget} ms`,
    },
    {
      name: `collector process peak resident memory, ${label} keys`,
      value: memory.peak_rss_mb,
      unit: 'MB',
      target: '≤ 200 MB at 100k',
      note: `compiled, as \`npm start\` runs; the peak of 6 cycles, the first announcing every key to a webhook`,
    },
    {
      name: `collector process resident memory between cycles, ${label} keys`,
      value: memory.rss_mb,
      unit: 'MB',
      note: `after a GC; heap ${memory.heap_mb.toFixed(0)} MB`,
    },
  ];
}

export async function runCollectBench(): Promise<Row[]> {
  buildCollector();
  return [...(await measure(10_000)), ...(await measure(100_000))];
}
