/**
 * Opens SQLite with the pragmas of the house, in one place: WAL (synchronous NORMAL, its size
 * bounded after bursts), foreign keys, a busy timeout (the CLI and the running instance may
 * share the file).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * The WAL's size once a burst is over. Under a steady stream of commits (an import of many
 * keys) the WAL cannot start over, as each checkpoint ends behind the latest commit, so it
 * grows (~340 MB creating 15k keys); without a limit SQLite keeps the file at that size for as
 * long as the database stays open, reusing it from the start. The limit applies at the first
 * commit of the connection that writes after a checkpoint caught up.
 */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** The database file inside DATA_DIR. */
export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'xkeeper.db');
}

/** Opens (creating when needed) the database at `file`; `:memory:` works too. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  return drizzle(sqlite, { schema });
}
