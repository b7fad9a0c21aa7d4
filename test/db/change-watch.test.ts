import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createChangeWatch } from '../../src/db/change-watch.ts';
import { openDatabase } from '../../src/db/client.ts';
import { tempDir } from '../helpers/db.ts';

describe('createChangeWatch', () => {
  const dirs: { cleanup(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

  /** The connection watched and a second one on the same file (another thread or process). */
  function twoConnections() {
    const dir = tempDir('xk-change-watch-');
    dirs.push(dir);
    const file = path.join(dir.dir, 'db.sqlite');
    const own = openDatabase(file).$client;
    own.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    own.prepare("INSERT INTO t (v) VALUES ('a')").run();
    const other = new Database(file);
    return { own, other };
  }

  it('holds while nothing is written, moves when this connection writes', () => {
    const { own, other } = twoConnections();
    const generation = createChangeWatch(own);
    const first = generation();
    own.prepare('SELECT * FROM t').all();
    other.prepare('SELECT * FROM t').all();
    expect(generation()).toBe(first);

    own.prepare("UPDATE t SET v = 'b'").run();
    const second = generation();
    expect(second).not.toBe(first);
    expect(generation()).toBe(second);
    // A write that changes no row changes nothing shown.
    own.prepare("UPDATE t SET v = 'c' WHERE id = 99").run();
    expect(generation()).toBe(second);
    other.close();
  });

  it('moves when another connection commits, not while it only holds a transaction open', () => {
    const { own, other } = twoConnections();
    const generation = createChangeWatch(own);
    const first = generation();
    other.exec('BEGIN IMMEDIATE');
    other.prepare("UPDATE t SET v = 'x'").run();
    expect(generation()).toBe(first);
    other.exec('COMMIT');
    const second = generation();
    expect(second).not.toBe(first);
    expect(own.prepare('SELECT v FROM t').pluck().get()).toBe('x');
    other.prepare("INSERT INTO t (v) VALUES ('y')").run();
    expect(generation()).not.toBe(second);
    other.close();
  });
});
