/**
 * The product as a user runs it, in a child process: `src/main.ts` through tsx (tests) or the
 * compiled `dist/main.js` (benchmarks), a data directory on disk, the real managed core and a
 * fake Telegram. An API key is seeded into the database before the first start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualClock } from '../../src/services/clock.ts';
import { createServices } from '../../src/services/index.ts';
import { createFakeTelegram, type FakeTelegram } from './fake-telegram.ts';
import { dataDirDb, silentLogger, TEST_TOKEN, testConfig } from './db.ts';
import { freePort } from './ports.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProductOptions {
  dataDir: string;
  /** `dist`: the compiled build as `npm start` runs it (build it first). Default `src`. */
  build?: 'src' | 'dist';
  env?: Record<string, string>;
}

/** Creates the database with an API key of every users scope and no practical rate limit. */
export function seedApiKey(dataDir: string): string {
  const db = dataDirDb(dataDir);
  try {
    const config = testConfig({ DATA_DIR: dataDir });
    const services = createServices({
      db,
      config,
      logger: silentLogger,
      clock: createManualClock(new Date()),
    });
    return services.apiKeys.create(
      {
        name: 'product test',
        scopes: ['users:*', 'stats:read'],
        rateLimitPerMinute: 1_000_000,
        rateLimitPerHour: 60_000_000,
      },
      'test',
    ).key;
  } finally {
    db.$client.close();
  }
}

/** Ports and the fake Telegram, kept across restarts of the product on one data directory. */
export async function productEnv(dataDir: string, env: Record<string, string> = {}) {
  const telegram: FakeTelegram = await createFakeTelegram();
  const httpPort = await freePort();
  const vars: Record<string, string> = {
    BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DATA_DIR: dataDir,
    HTTP_PORT: String(httpPort),
    CORE_BIN: '/usr/bin/v2ray',
    CORE_API_PORT: String(await freePort()),
    VLESS_PORT: String(await freePort()),
    VLESS_HOST: '127.0.0.1',
    BLOCK_PRIVATE_NETWORKS: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  };
  return { vars, url: `http://127.0.0.1:${httpPort}`, close: () => telegram.close() };
}

export interface RunningProduct {
  child: ChildProcess;
  /** Ends it with SIGTERM (a clean stop: the core stops too). */
  stop(): Promise<void>;
  /** kill -9: the core, a process group of its own, stays as an orphan. */
  kill9(): Promise<void>;
}

/** The node flags of `npm start` (package.json), so the benchmark runs what ships. */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js')
    throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return words.slice(1, -1);
}

/** Starts the product and waits until health says the core runs. */
export async function startProduct(
  vars: Record<string, string>,
  url: string,
  build: 'src' | 'dist' = 'src',
  /** Extra node flags (a profiler). */
  nodeArgs: readonly string[] = [],
): Promise<RunningProduct> {
  const args =
    build === 'dist'
      ? [...startFlags(), ...nodeArgs, path.join(ROOT, 'dist/main.js')]
      : [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'src/main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the product exited with ${child.exitCode}: ${output}`);
    if (i > 600) throw new Error(`the product never became healthy: ${output}`);
    const health = await fetch(`${url}/api/v1/health`)
      .then((res) => (res.ok ? (res.json() as Promise<{ core?: { running?: boolean } }>) : null))
      .catch(() => null);
    if (health?.core?.running) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const exited = () => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : null);
  return {
    child,
    async stop() {
      const done = exited();
      child.kill('SIGTERM');
      await done;
    },
    async kill9() {
      const done = exited();
      child.kill('SIGKILL');
      await done;
    },
  };
}
