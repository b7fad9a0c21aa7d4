/** A fresh SQLite with the real migrations applied, per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { openDatabase, type Db } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { createManualClock } from '../../src/services/clock.ts';
import { createServices } from '../../src/services/index.ts';

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

export const silentLogger = createLogger({ level: 'silent', pretty: false });

/** Services on a fresh DB with a manual clock. */
export function testServices(env: Record<string, string> = {}) {
  const clock = createManualClock('2026-11-01T12:00:00Z');
  const db = testDb();
  const config = testConfig(env);
  const services = createServices({ db, config, logger: silentLogger, clock });
  return { db, clock, config, services };
}
