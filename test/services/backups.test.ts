import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { coreConfigPath } from '../../src/services/index.ts';
import { dataDirDb, memoryCoreServices, tempDir } from '../helpers/db.ts';
import { bombArchive, manyEntriesArchive, tamperBackup } from '../helpers/backup-archive.ts';
import { peakRssGrowth } from '../helpers/rss.ts';
import { extractArchive, BACKUP_LIMITS } from '../../src/services/backup-extract.ts';
import type { EventType } from '../../src/services/messages.ts';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function setup() {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const db = dataDirDb(tmp.dir);
  cleanups.push(() => db.$client.close());
  const { services, clock, mem } = memoryCoreServices(
    { DATA_DIR: tmp.dir },
    { now: '2026-11-27T10:00:00Z', db },
  );
  await services.keys.create({ name: 'ann', trafficLimitBytes: 1000 }, 'cli');
  await services.keys.create({ name: 'bob' }, 'cli');
  services.admins.addAdmin(77, 'cli');
  mem.traffic('ann', 10, 20);
  await services.traffic.collect();
  writeFileSync(coreConfigPath(tmp.dir), '{"inbounds":[]}');
  return { tmp, services, db, mem, clock };
}

function snapshotOf(db: ReturnType<typeof openDatabase>) {
  return {
    keys: db.$client
      .prepare('SELECT name, uuid, status, upload_bytes, download_bytes, sub_token FROM keys ORDER BY id')
      .all(),
    users: db.$client.prepare('SELECT id, role FROM telegram_users ORDER BY id').all(),
    usage: db.$client.prepare('SELECT * FROM key_usage_daily').all(),
  };
}

describe('backups', () => {
  it('round-trips: backup, change everything, restore gives the same data back', async () => {
    const { services, db } = await setup();
    const before = snapshotOf(db);
    const backup = await services.backups.create({ actor: 'cli' });
    expect(backup.counts).toMatchObject({ keys: 2, telegram_users: 1 });
    expect(path.basename(backup.file)).toMatch(/^xkeeper-backup-\d{8}-\d{6}\.tar\.gz$/);

    await services.keys.delete('ann', 'cli');
    await services.keys.create({ name: 'carl' }, 'cli');
    await services.keys.kick('bob', 'cli');

    const preview = await services.backups.preview(backup.file);
    expect(preview.counts.keys).toBe(2);
    expect(preview.has_core_config).toBe(true);
    expect(preview.newest_event?.type).toBeTypeOf('string');

    const restored = await services.backups.restore(backup.file, 'cli');
    expect(snapshotOf(db)).toEqual(before);
    expect(path.basename(restored.previous)).toMatch(/^pre-restore-/);
    // The archived "previous" holds the data as it was just before the restore.
    expect((await services.backups.preview(restored.previous)).counts.keys).toBe(2);
  });

  it("a restore keeps the live admins and event log; the archive's roles only when asked", async () => {
    const { tmp, services, db } = await setup();
    const backup = await services.backups.create({ actor: 'cli' });
    // Someone holding the archive names themselves (and a stranger) admin in it.
    const forged = await tamperBackup(
      backup.file,
      "INSERT INTO telegram_users (id, role) VALUES (666, 'admin'); UPDATE telegram_users SET role = 'admin'",
      path.join(tmp.dir, 'forged.tar.gz'),
    );
    services.admins.addAdmin(88, 'cli'); // made an admin after the backup
    services.events.record({ type: 'test.after_backup' as EventType, actor: 'cli' });
    const eventsBefore = db.$client.prepare('SELECT id, type FROM events ORDER BY id').all();
    expect((await services.backups.preview(forged)).admins).toEqual([77, 666]);

    const restored = await services.backups.restore(forged, 'cli');
    expect(services.admins.roleOf(666)).toBe('user');
    expect(services.admins.roleOf(77)).toBe('admin');
    expect(services.admins.roleOf(88)).toBe('admin'); // a live admin missing from the archive stays
    expect(restored.admins).toEqual([77, 88]);
    const eventsAfter = db.$client.prepare('SELECT id, type FROM events ORDER BY id').all();
    expect(eventsAfter.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(eventsAfter.slice(eventsBefore.length).map((e) => (e as { type: string }).type)).toEqual([
      'backup.restored',
    ]);
    expect(services.events.list({ type: 'backup.restored' }).items[0]?.data).toMatchObject({ roles: 'live' });

    await services.backups.restore(forged, 'cli', { withRoles: true });
    expect(services.admins.roleOf(666)).toBe('admin');
    expect(services.admins.roleOf(88)).toBe('user');
    expect(services.events.list({ type: 'backup.restored' }).items[0]?.data).toMatchObject({
      roles: 'archive',
    });
  });

  it('refuses a truncated archive, a random file and a foreign archive, changing nothing', async () => {
    const { tmp, services, db } = await setup();
    const before = snapshotOf(db);
    const good = await services.backups.create();
    const bytes = readFileSync(good.file);
    const truncated = path.join(tmp.dir, 'truncated.tar.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const random = path.join(tmp.dir, 'random.bin');
    writeFileSync(random, randomBytes(4096));
    const foreignDir = path.join(tmp.dir, 'foreign');
    mkdirSync(foreignDir);
    writeFileSync(path.join(foreignDir, 'notes.txt'), 'hello');
    const foreign = path.join(tmp.dir, 'foreign.tar.gz');
    await tar.create({ gzip: true, file: foreign, cwd: foreignDir }, ['notes.txt']);

    for (const file of [truncated, random, foreign, path.join(tmp.dir, 'missing.tar.gz')]) {
      await expect(services.backups.restore(file, 'cli')).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
    }
    expect(snapshotOf(db)).toEqual(before);
  });

  it('refuses an archive whose database opens but fails the integrity check, changing nothing', async () => {
    const { tmp, services, db } = await setup();
    const before = snapshotOf(db);
    const staging = path.join(tmp.dir, 'damaged');
    mkdirSync(staging);
    await tar.extract({ file: (await services.backups.create()).file, cwd: staging });
    const entries = readdirSync(staging);
    // One byte changed inside the keys' token index: every page stays well-formed, so the file
    // opens and reads, and only SQLite's integrity check can tell.
    const dbFile = path.join(staging, 'xkeeper.db');
    const probe = new Database(dbFile, { readonly: true });
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    const { rootpage } = probe
      .prepare("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND name = 'keys_sub_token'")
      .get() as { rootpage: number };
    probe.close();
    const bytes = readFileSync(dbFile);
    // The page's last byte ends the cell stored first: the row id the index entry points to.
    bytes[rootpage * pageSize - 1]! ^= 0x01;
    writeFileSync(dbFile, bytes);
    const check = new Database(dbFile, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM keys').get()).toEqual({ n: 2 });
    expect(check.pragma('integrity_check', { simple: true })).not.toBe('ok');
    check.close();
    const damaged = path.join(tmp.dir, 'damaged.tar.gz');
    await tar.create({ gzip: true, file: damaged, cwd: staging }, entries);

    for (const attempt of [
      () => services.backups.preview(damaged),
      () => services.backups.restore(damaged, 'cli'),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: /damaged/ });
    }
    expect(snapshotOf(db)).toEqual(before);
  });

  it('refuses an archive from a newer schema', async () => {
    const { tmp, services, db } = await setup();
    const before = snapshotOf(db);
    // Build a backup whose database has a migration this build does not know.
    const staging = path.join(tmp.dir, 'newer');
    mkdirSync(staging);
    await db.$client.backup(path.join(staging, 'xkeeper.db'));
    const copy = openDatabase(path.join(staging, 'xkeeper.db'));
    copy.$client
      .prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)')
      .run('future', 9e12);
    copy.$client.close();
    writeFileSync(
      path.join(staging, 'manifest.json'),
      JSON.stringify({
        format: 'xkeeper-backup',
        format_version: 1,
        app_version: '9.9.9',
        migration: '9999_future',
        created_at: '2030-01-01T00:00:00Z',
        counts: {},
      }),
    );
    const file = path.join(tmp.dir, 'newer.tar.gz');
    await tar.create({ gzip: true, file, cwd: staging }, ['manifest.json', 'xkeeper.db']);
    await expect(services.backups.restore(file, 'cli')).rejects.toThrow(/newer xkeeper/);
    expect(snapshotOf(db)).toEqual(before);
  });

  it('keeps only the newest scheduled archives', async () => {
    const { services, clock } = await setup();
    for (let i = 0; i < 4; i++) {
      await services.backups.scheduled(2);
      clock.advance(60_000);
    }
    expect(services.backups.list()).toHaveLength(2);
  });
});

const GiB = 2 ** 30;

/** Points os.tmpdir() (where unpacking happens) at a fresh folder of the test's own. */
function privateTmp(root: string): string {
  const dir = path.join(root, 'tmp');
  mkdirSync(dir);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  cleanups.push(() => (saved === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = saved)));
  return dir;
}

/** Expects a BACKUP_INVALID refusal whose message matches `reason` (toMatchObject does not check an error's message). */
async function expectRefused(attempt: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await attempt.then(
    () => new Error('the archive was accepted'),
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'BACKUP_INVALID' });
  expect((error as Error).message).toMatch(reason);
}

describe('hostile backup archives', () => {
  it('refuses a decompression bomb early, in bounded memory, changing nothing and leaving no files', async () => {
    const { tmp, services, db } = await setup();
    const before = snapshotOf(db);
    const bomb = bombArchive(path.join(tmp.dir, 'bomb.tar.gz'), 1 * GiB); // ~1 MB on disk
    const scratch = privateTmp(tmp.dir);
    const started = Date.now();
    const growth = await peakRssGrowth(async () => {
      for (const attempt of [
        () => services.backups.preview(bomb),
        () => services.backups.restore(bomb, 'cli'),
      ]) {
        await expectRefused(attempt(), /unpacks to more than 100 times its size/);
      }
    });
    console.log(
      `bomb (1 GiB in ${readFileSync(bomb).length} B): peak RSS growth ${growth.toFixed(1)} MiB, ${Date.now() - started} ms`,
    );
    expect(growth).toBeLessThan(100);
    expect(snapshotOf(db)).toEqual(before);
    expect(readdirSync(scratch)).toEqual([]);
    expect(services.backups.list().some((b) => path.basename(b.file).startsWith('pre-restore-'))).toBe(false);
  });

  it('refuses an archive of 100 000 entries after the first few', async () => {
    const { tmp, services, db } = await setup();
    const before = snapshotOf(db);
    const many = manyEntriesArchive(path.join(tmp.dir, 'many.tar.gz'), 100_000);
    const scratch = privateTmp(tmp.dir);
    const growth = await peakRssGrowth(() =>
      expectRefused(services.backups.restore(many, 'cli'), /holds more than 8 entries/),
    );
    expect(growth).toBeLessThan(100);
    expect(snapshotOf(db)).toEqual(before);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('stops unpacking at the per-file and total limits', async () => {
    const { tmp } = await setup();
    const staging = path.join(tmp.dir, 'staging');
    mkdirSync(staging);
    writeFileSync(path.join(staging, 'a'), randomBytes(4096));
    writeFileSync(path.join(staging, 'b'), randomBytes(4096));
    const file = path.join(tmp.dir, 'ab.tar.gz');
    await tar.create({ gzip: true, file, cwd: staging }, ['a', 'b']);
    const out = (name: string) => {
      const dir = path.join(tmp.dir, name);
      mkdirSync(dir);
      return dir;
    };
    const wanted = new Map([
      ['a', 8192],
      ['b', 8192],
    ]);
    await extractArchive(file, out('fits'), wanted);
    expect(readFileSync(path.join(tmp.dir, 'fits', 'b'))).toEqual(readFileSync(path.join(staging, 'b')));
    await expect(extractArchive(file, out('per-file'), new Map([...wanted, ['b', 4095]]))).rejects.toThrow(
      /b is larger than 4095 bytes/,
    );
    await expect(
      extractArchive(file, out('total'), wanted, { ...BACKUP_LIMITS, totalBytes: 6000 }),
    ).rejects.toThrow(/unpacks to more than 6000 bytes/);
    expect(existsSync(path.join(tmp.dir, 'total', 'b'))).toBe(false);
  });

  it('refuses an archive whose database holds a trigger or a view', async () => {
    const { tmp, services, db } = await setup();
    const before = snapshotOf(db);
    const backup = await services.backups.create();
    const trigger = await tamperBackup(
      backup.file,
      "CREATE TRIGGER promote AFTER INSERT ON __drizzle_migrations BEGIN UPDATE telegram_users SET role = 'admin'; END",
      path.join(tmp.dir, 'trigger.tar.gz'),
    );
    const view = await tamperBackup(
      backup.file,
      'CREATE VIEW everything AS SELECT * FROM keys',
      path.join(tmp.dir, 'view.tar.gz'),
    );
    for (const [file, what] of [
      [trigger, /trigger \(promote\)/],
      [view, /view \(everything\)/],
    ] as const) {
      await expectRefused(services.backups.preview(file), what);
      await expectRefused(services.backups.restore(file, 'cli'), what);
    }
    expect(snapshotOf(db)).toEqual(before);
  });

  it('refuses rows that do not fit the schema: a bad key name, a date as text, a date past 9999, baselines that do not pair up', async () => {
    const { tmp, services, db } = await setup();
    const before = snapshotOf(db);
    const backup = await services.backups.create();
    const cases = [
      ["UPDATE keys SET name = 'ann\nFAKE LINE' WHERE name = 'ann'", /key with a bad name/],
      ["UPDATE keys SET expire_at = 'tomorrow' WHERE name = 'ann'", /keys has a bad expire_at/],
      ["UPDATE keys SET expire_at = 9e15 WHERE name = 'bob'", /keys has a bad expire_at/],
      ["UPDATE key_usage_daily SET day = 'yesterday'", /key_usage_daily has a bad day/],
      ["UPDATE keys SET status = 'root' WHERE name = 'bob'", /keys has a bad status/],
      // Baselines whose values do not pair up with the names would charge keys wrongly.
      ["UPDATE core_counter_sets SET counters = x'0000'", /core_counter_sets has a bad counters/],
      ['UPDATE core_counter_sets SET users = \'{"ann": 1}\'', /core_counter_sets has a bad users/],
    ] as const;
    for (const [i, [sql, reason]] of cases.entries()) {
      const file = await tamperBackup(backup.file, sql, path.join(tmp.dir, `bad-${i}.tar.gz`));
      await expectRefused(services.backups.restore(file, 'cli'), reason);
    }
    expect(snapshotOf(db)).toEqual(before);
  });
});
