/**
 * Opens SQLite with the pragmas of the house, in one place: WAL, foreign keys,
 * a busy timeout (the CLI and the running instance may share the file).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

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
  return drizzle(sqlite, { schema });
}
