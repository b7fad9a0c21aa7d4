import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase, type Db } from '../../src/db/client.ts';
import { knownMigrations, MIGRATIONS_DIR, runMigrations } from '../../src/db/migrate.ts';
import { tempDir } from '../helpers/db.ts';

/** A database migrated to just before `tag`, as an older version left it; the migrations from `tag` on. */
function migratedBefore(tag: string): { db: Db; pending: number } {
  const all = knownMigrations();
  const at = all.findIndex((e) => e.tag === tag);
  const tmp = tempDir();
  onTestFinished(tmp.cleanup);
  cpSync(MIGRATIONS_DIR, tmp.dir, { recursive: true });
  const journal = path.join(tmp.dir, 'meta/_journal.json');
  writeFileSync(journal, JSON.stringify({ version: '7', dialect: 'sqlite', entries: all.slice(0, at) }));
  const db = openDatabase(':memory:');
  migrate(db, { migrationsFolder: tmp.dir });
  return { db, pending: all.length - at };
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
    // Just before 0006, with one broadcast of the old kind and one of the new.
    const { db, pending } = migratedBefore('0006_cancel_stale_broadcasts');
    const sql = db.$client;
    sql.prepare("INSERT INTO broadcasts (audience, text) VALUES ('all', 'old')").run();
    sql
      .prepare(
        "INSERT INTO broadcasts (audience, text, progress_chat_id, progress_message_id) VALUES ('all', 'new', 1, 2)",
      )
      .run();
    expect(runMigrations(db).applied).toBe(pending);
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

  it('give open orders an expiry and count promo codes used before reservations existed', () => {
    const { db } = migratedBefore('0007_order_expiry_promo_reservations');
    const sql = db.$client;
    sql.prepare("INSERT INTO promo_codes (code, kind, value, uses) VALUES ('Half', 'percent', 50, 3)").run();
    const order = sql.prepare(
      "INSERT INTO orders (telegram_id, provider, amount, currency, state, data) VALUES (?, 'stars', 50, 'XTR', ?, ?)",
    );
    const promo = JSON.stringify({ promo: 'HALF' });
    order.run(7, 'applied', promo); // 1: used
    order.run(7, 'applied', promo); // 2: the same person again (the old bug): still one use
    order.run(8, 'created', promo); // 3: open: reserved, and expires
    order.run(9, 'created', null); // 4: open, no code
    runMigrations(db);
    expect(
      sql
        .prepare('SELECT promo_id, telegram_id, order_id, state FROM promo_redemptions ORDER BY order_id')
        .all(),
    ).toEqual([
      { promo_id: 1, telegram_id: 7, order_id: 1, state: 'used' },
      { promo_id: 1, telegram_id: 8, order_id: 3, state: 'reserved' },
    ]);
    const expiries = sql.prepare('SELECT id, expires_at FROM orders ORDER BY id').all() as Array<{
      id: number;
      expires_at: number | null;
    }>;
    expect(expiries.map((o) => o.expires_at === null)).toEqual([true, true, false, false]);
    expect(expiries[2]!.expires_at).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('make the core of today node `local` from its settings, with every key on it', () => {
    const { db } = migratedBefore('0009_nodes');
    const sql = db.$client;
    const setting = sql.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
    setting.run('realityPrivateKey', JSON.stringify('oK8QkzVp7Yl2xJ0cXo1Yx5o8p3E3aW7YI1m8J3gZ6Ho'));
    setting.run('realityShortIds', JSON.stringify(['0123456789abcdef']));
    setting.run('realitySni', JSON.stringify('www.apple.com'));
    setting.run('supportContact', JSON.stringify('@help'));
    const key = sql.prepare('INSERT INTO keys (name, uuid, sub_token) VALUES (?, ?, ?)');
    key.run('alice', 'u1', 't1');
    key.run('bob', 'u2', 't2');
    runMigrations(db);

    const local = sql.prepare("SELECT * FROM nodes WHERE name = 'local'").get() as Record<string, unknown>;
    expect(local).toMatchObject({
      transport: 'local',
      enabled: 1,
      position: 0,
      reality_private_key: 'oK8QkzVp7Yl2xJ0cXo1Yx5o8p3E3aW7YI1m8J3gZ6Ho',
      reality_short_ids: '["0123456789abcdef"]',
      sni: 'www.apple.com',
      // Not set before: still from the environment.
      target: null,
      address: null,
      port: null,
    });
    // Moved, not copied: one place holds them now; other settings stay.
    expect(sql.prepare('SELECT key FROM settings ORDER BY key').pluck().all()).toEqual(['supportContact']);
    const members = () => sql.prepare('SELECT key_id, node_id FROM key_nodes ORDER BY key_id, node_id').all();
    expect(members()).toEqual([
      { key_id: 1, node_id: local.id },
      { key_id: 2, node_id: local.id },
    ]);
    sql.prepare('DELETE FROM keys WHERE id = 1').run();
    expect(members()).toEqual([{ key_id: 2, node_id: local.id }]);
  });

  it('make node `local` without REALITY material on a fresh install (the first start makes it)', () => {
    const db = openDatabase(':memory:');
    runMigrations(db);
    expect(
      db.$client.prepare('SELECT name, reality_private_key, reality_short_ids FROM nodes').all(),
    ).toEqual([{ name: 'local', reality_private_key: null, reality_short_ids: '[]' }]);
  });
});
