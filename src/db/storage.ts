/**
 * Key → JSON value storage in SQLite (table bot_sessions): the bot keeps its sessions and
 * conversations here, so a restart keeps every user's language choice and every
 * conversation in progress. Statements are drizzle's, prepared on first use.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { botSessions } from './schema.ts';
import { lazy } from './statements.ts';

/** read/write/delete of JSON values under a key prefix; fits grammY's StorageAdapter. */
export interface JsonStorage<T> {
  read(key: string): T | undefined;
  write(key: string, value: T): void;
  delete(key: string): void;
}

export function createSqliteStorage<T>(db: Db, prefix: string): JsonStorage<T> {
  const key = sql.placeholder('key');
  const select = lazy(() =>
    db.select({ value: botSessions.value }).from(botSessions).where(eq(botSessions.key, key)).prepare(),
  );
  const upsert = lazy(() =>
    db
      .insert(botSessions)
      .values({ key, value: sql.placeholder('value'), updatedAt: sql.placeholder('updatedAt') })
      .onConflictDoUpdate({
        target: botSessions.key,
        set: { value: sql`excluded.value`, updatedAt: sql`excluded.updated_at` },
      })
      .prepare(),
  );
  const remove = lazy(() => db.delete(botSessions).where(eq(botSessions.key, key)).prepare());
  return {
    read(name) {
      const row = select().get({ key: `${prefix}:${name}` });
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    write(name, value) {
      upsert().run({ key: `${prefix}:${name}`, value: JSON.stringify(value), updatedAt: new Date() });
    },
    delete(name) {
      remove().run({ key: `${prefix}:${name}` });
    },
  };
}
