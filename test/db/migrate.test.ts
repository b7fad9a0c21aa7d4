import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/client.ts';
import { MIGRATIONS_DIR, knownMigrations, runMigrations } from '../../src/db/migrate.ts';
import { tempDir } from '../helpers/db.ts';

/** Migrates `db` as an older version did: only the migrations before the one named `suffix`. */
function migrateBefore(db: Db, suffix: string): void {
  const tmp = tempDir('xk-migrations-');
  try {
    cpSync(MIGRATIONS_DIR, tmp.dir, { recursive: true });
    const file = path.join(tmp.dir, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(file, 'utf8')) as { entries: Array<{ tag: string }> };
    const index = journal.entries.findIndex((e) => e.tag.endsWith(suffix));
    journal.entries = journal.entries.slice(0, index);
    writeFileSync(file, JSON.stringify(journal));
    migrate(db, { migrationsFolder: tmp.dir });
  } finally {
    tmp.cleanup();
  }
}

describe('migrations', () => {
  it('apply once, then report nothing pending', () => {
    const db = openDatabase(':memory:');
    const first = runMigrations(db);
    expect(first.applied).toBe(knownMigrations().length);
    expect(first.latest).toBe(knownMigrations().at(-1)?.tag);
    expect(runMigrations(db).applied).toBe(0);
  });

  it('set the pragmas of the house', () => {
    const db = openDatabase(':memory:');
    expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.$client.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('make key names unique case-insensitively', () => {
    const db = openDatabase(':memory:');
    runMigrations(db);
    const insert = db.$client.prepare('INSERT INTO keys (name, uuid, sub_token) VALUES (?, ?, ?)');
    insert.run('Alice', 'u1', 't1');
    expect(() => insert.run('alice', 'u2', 't2')).toThrow(/UNIQUE/);
  });

  it('cancel broadcasts an older version left running, which cannot be resumed', () => {
    const db = openDatabase(':memory:');
    // Just before 0006, with one broadcast of the old kind and one of the new.
    migrateBefore(db, '_cancel_stale_broadcasts');
    const sql = db.$client;
    const later =
      knownMigrations().length -
      knownMigrations().findIndex((e) => e.tag.endsWith('_cancel_stale_broadcasts'));
    sql.prepare("INSERT INTO broadcasts (audience, text) VALUES ('all', 'old')").run();
    sql
      .prepare(
        "INSERT INTO broadcasts (audience, text, progress_chat_id, progress_message_id) VALUES ('all', 'new', 1, 2)",
      )
      .run();
    expect(runMigrations(db).applied).toBe(later);
    const rows = sql.prepare('SELECT text, state, finished_at FROM broadcasts ORDER BY id').all() as Array<{
      text: string;
      state: string;
      finished_at: number | null;
    }>;
    expect(rows.map((r) => [r.text, r.state])).toEqual([
      ['old', 'cancelled'],
      ['new', 'running'],
    ]);
    expect(rows[0]!.finished_at).toBeGreaterThan(Date.UTC(2026, 0, 1));
  });
});
