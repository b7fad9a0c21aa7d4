/** A fresh SQLite with the real migrations applied, per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { databasePath, openDatabase, type Db } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { createManualClock } from '../../src/services/clock.ts';
import type { CorePort } from '../../src/services/core-port.ts';
import { createServices } from '../../src/services/index.ts';
import { createMemoryCore } from './memory-core.ts';

export const TEST_TOKEN = '123456:TEST-token-for-the-fake-telegram-api';

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'xk-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Config for tests: the given variables over safe defaults. */
export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig(
    { BOT_TOKEN: TEST_TOKEN, LOG_LEVEL: 'silent', BLOCK_PRIVATE_NETWORKS: 'false', ...env },
    { dotenv: false },
  );
}

/** An in-memory database with every migration applied. */
export function testDb(): Db {
  const db = openDatabase(':memory:');
  runMigrations(db);
  return db;
}

/** The database in DATA_DIR `dataDir`, where the app keeps it, with every migration applied. */
export function dataDirDb(dataDir: string): Db {
  const db = openDatabase(databasePath(dataDir));
  runMigrations(db);
  return db;
}

export const silentLogger = createLogger({ level: 'silent', pretty: false });

export interface TestServicesOptions {
  /** Where the manual clock starts. */
  now?: string;
  /** The core the services drive; none (absent) by default. */
  core?: CorePort;
  /** The database; a fresh in-memory one by default. */
  db?: Db;
}

/** Services on a fresh DB with a manual clock: the one setup every service test starts from. */
export function testServices(
  env: Record<string, string> = {},
  { now = '2026-11-01T12:00:00Z', core, db = testDb() }: TestServicesOptions = {},
) {
  const clock = createManualClock(now);
  const config = testConfig(env);
  const services = createServices({ db, config, logger: silentLogger, clock, core });
  return { db, clock, config, services };
}

/** testServices driving the in-memory core, returned as `mem`. */
export function memoryCoreServices(
  env: Record<string, string> = {},
  options: Omit<TestServicesOptions, 'core'> = {},
) {
  const mem = createMemoryCore();
  return { ...testServices(env, { ...options, core: mem.core }), mem };
}
