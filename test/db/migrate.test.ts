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
});
