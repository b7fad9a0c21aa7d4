import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { knownMigrations, runMigrations } from '../../src/db/migrate.ts';

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
    runMigrations(db);
    const sql = db.$client;
    // Back to just before 0006, with one broadcast of the old kind and one of the new.
    sql
      .prepare(
        'DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)',
      )
      .run();
    sql.prepare("INSERT INTO broadcasts (audience, text) VALUES ('all', 'old')").run();
    sql
      .prepare(
        "INSERT INTO broadcasts (audience, text, progress_chat_id, progress_message_id) VALUES ('all', 'new', 1, 2)",
      )
      .run();
    expect(runMigrations(db).applied).toBe(1);
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
