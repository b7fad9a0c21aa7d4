import { statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, WAL_SIZE_LIMIT_BYTES } from '../../src/db/client.ts';
import { startCheckpointer } from '../../src/db/checkpointer.ts';
import { tempDir } from '../helpers/db.ts';

describe('WAL checkpointer', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('copies the WAL into the database from its own thread while the connection does not', async () => {
    const tmp = tempDir('xk-ckpt-');
    const file = path.join(tmp.dir, 'x.db');
    const db = openDatabase(file);
    cleanups.push(() => {
      db.$client.close();
      tmp.cleanup();
    });
    const sqlite = db.$client;
    sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const errors: string[] = [];
    const checkpoints = startCheckpointer(sqlite, (error) => errors.push(error), 20);
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(file).size;
    const insert = sqlite.prepare('INSERT INTO t (body) VALUES (?)');
    for (let i = 0; i < 300; i++) insert.run('x'.repeat(4000)); // ~2 pages a commit
    await expect.poll(() => statSync(file).size, { timeout: 5_000 }).toBeGreaterThan(before + 300 * 4000);
    await checkpoints.stop();
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(errors).toEqual([]);
  });

  it('shrinks a WAL a burst grew back to its limit once it is copied', () => {
    const tmp = tempDir('xk-ckpt-');
    const file = path.join(tmp.dir, 'x.db');
    const db = openDatabase(file);
    // A connection of its own with no pragmas, as the checkpointer's thread opens.
    const checkpointer = new Database(file);
    cleanups.push(() => {
      checkpointer.close();
      db.$client.close();
      tmp.cleanup();
    });
    const sqlite = db.$client;
    sqlite.pragma('wal_autocheckpoint = 0'); // as startCheckpointer leaves it
    sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = sqlite.prepare('INSERT INTO t (body) VALUES (?)');
    const burst = sqlite.transaction((rows: number) => {
      for (let i = 0; i < rows; i++) insert.run('x'.repeat(4000));
    });
    const rows = Math.ceil(WAL_SIZE_LIMIT_BYTES / 4000) + 2_000; // one commit a little over the limit
    burst(rows);
    const wal = () => statSync(`${file}-wal`).size;
    expect(wal()).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    const before = statSync(file).size;
    // The checkpointer's kind of checkpoint copies all of it; the WAL starts over at the next commit.
    const [result] = checkpointer.pragma('wal_checkpoint(PASSIVE)') as {
      log: number;
      checkpointed: number;
    }[];
    expect(result!.checkpointed).toBe(result!.log);
    expect(statSync(file).size).toBeGreaterThan(before + WAL_SIZE_LIMIT_BYTES);
    expect(wal()).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    insert.run('after the burst');
    expect(wal()).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    expect(sqlite.prepare('SELECT count(*) FROM t').pluck().get()).toBe(rows + 1);
  });
});
