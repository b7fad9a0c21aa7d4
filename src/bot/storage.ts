/**
 * grammY session and conversation storage in SQLite (table bot_sessions), so a restart
 * keeps every user's language choice and every conversation in progress.
 */
import type { Db } from '../db/client.ts';
import { lazyStatement } from '../db/statements.ts';

/** read/write/delete of JSON values under a key prefix; fits grammY's StorageAdapter. */
export interface JsonStorage<T> {
  read(key: string): T | undefined;
  write(key: string, value: T): void;
  delete(key: string): void;
}

export function createSqliteStorage<T>(db: Db, prefix: string): JsonStorage<T> {
  const sqlite = db.$client;
  const select = lazyStatement(sqlite, 'SELECT value FROM bot_sessions WHERE key = ?');
  const upsert = lazyStatement(
    sqlite,
    `INSERT INTO bot_sessions (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  const remove = lazyStatement(sqlite, 'DELETE FROM bot_sessions WHERE key = ?');
  return {
    read(key) {
      const row = select().get(`${prefix}:${key}`) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    write(key, value) {
      upsert().run(`${prefix}:${key}`, JSON.stringify(value), Date.now());
    },
    delete(key) {
      remove().run(`${prefix}:${key}`);
    },
  };
}
