/** Applies the committed drizzle migrations. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { projectPath } from '../paths.ts';
import type { Db } from './client.ts';

export const MIGRATIONS_DIR = projectPath('drizzle');

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

/** The migrations this build knows, oldest first. */
export function knownMigrations(): JournalEntry[] {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

/** The tag of the newest migration applied to `db`, or null for an empty database. */
export function latestAppliedMigration(db: Db): { tag: string; when: number } | null {
  const exists = db.$client
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!exists) return null;
  const row = db.$client
    .prepare('SELECT created_at AS whenMs FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1')
    .get() as { whenMs: number } | undefined;
  if (!row) return null;
  const entry = knownMigrations().find((e) => e.when === Number(row.whenMs));
  return { tag: entry?.tag ?? `unknown-${row.whenMs}`, when: Number(row.whenMs) };
}

/** Applies pending migrations; returns how many ran and the newest tag. */
export function runMigrations(db: Db): { applied: number; latest: string | null } {
  const before = latestAppliedMigration(db)?.when ?? 0;
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  const latest = latestAppliedMigration(db);
  const applied = knownMigrations().filter((e) => e.when > before).length;
  return { applied, latest: latest?.tag ?? null };
}
