import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { controlSocketPath, startControlServer } from '../../src/control/socket.ts';
import { openDatabase } from '../../src/db/client.ts';
import { knownMigrations } from '../../src/db/migrate.ts';
import { systemClock } from '../../src/services/clock.ts';
import { createServices } from '../../src/services/index.ts';
import { tamperBackup } from '../helpers/backup-archive.ts';
import { runCli } from '../helpers/cli.ts';
import { ensureRealityKeys } from '../../src/core-wiring.ts';
import { dataDirDb, silentLogger, tempDir, testConfig, testServices } from '../helpers/db.ts';

describe('xkeeper CLI on the files (nothing running)', () => {
  const tmp = tempDir();
  const env = { DATA_DIR: tmp.dir, ADMIN_IDS: '42' };
  afterAll(() => tmp.cleanup());

  it('migrates and adds an admin, with --json on stdout', async () => {
    const migrate = await runCli(['migrate', '--json'], env);
    expect(migrate.code).toBe(0);
    expect(migrate.json()).toMatchObject({ latest: knownMigrations().at(-1)?.tag });

    const add = await runCli(['admin', 'add', '123', '--json'], env);
    expect(add.code).toBe(0);
    expect(add.json()).toEqual({ telegram_id: 123, role: 'admin' });

    const db = openDatabase(path.join(tmp.dir, 'xkeeper.db'));
    const row = db.$client.prepare('SELECT role FROM telegram_users WHERE id = 123').get();
    db.$client.close();
    expect(row).toEqual({ role: 'admin' });
  });

  it('key kick issues a new subscription URL unless --keep-subscription', async () => {
    const created = (await runCli(['key', 'create', 'kickme', '--json'], env)).json();
    const kicked = await runCli(['key', 'kick', 'kickme', '--json'], env);
    expect(kicked.code).toBe(0);
    expect(kicked.json().uuid).not.toBe(created.uuid);
    expect(kicked.json().subscription_url).not.toBe(created.subscription_url);
    const db = openDatabase(path.join(tmp.dir, 'xkeeper.db'));
    const oldToken = new URL(created.subscription_url).pathname.split('/').at(-1);
    const stale = db.$client.prepare('SELECT count(*) AS n FROM keys WHERE sub_token = ?').get(oldToken);
    db.$client.close();
    expect(stale).toEqual({ n: 0 });

    const kept = (await runCli(['key', 'kick', 'kickme', '--keep-subscription', '--json'], env)).json();
    expect(kept.uuid).not.toBe(kicked.json().uuid);
    expect(kept.subscription_url).toBe(kicked.json().subscription_url);
  });

  it('exits 2 on bad usage and 1 on a refused operation, with nothing on stdout', async () => {
    const badArg = await runCli(['admin', 'add', 'abc', '--json'], env);
    expect(badArg.code).toBe(2);
    expect(badArg.stdout).toBe('');
    expect(badArg.stderr).toMatch(/TGID must be a Telegram user id \(a number\)/);

    expect((await runCli(['no-such-command'], env)).code).toBe(2);

    const owner = await runCli(['admin', 'remove', '42', '--json'], env);
    expect(owner.code).toBe(1);
    expect(owner.stdout).toBe('');
    expect(owner.stderr).toMatch(/LAST_OWNER/);
  });
});

describe('xkeeper CLI restore', () => {
  const tmp = tempDir();
  const env = { DATA_DIR: tmp.dir, ADMIN_IDS: '42' };
  afterAll(() => tmp.cleanup());
  const query = (sql: string) => {
    const db = openDatabase(path.join(tmp.dir, 'xkeeper.db'));
    try {
      return db.$client.prepare(sql).all();
    } finally {
      db.$client.close();
    }
  };
  const admins = () => query("SELECT id FROM telegram_users WHERE role = 'admin' ORDER BY id");

  it('keeps the live admins and event log, and takes the archive roles only with --with-roles', async () => {
    // Set up in-process (a CLI start takes seconds): an admin, a backup, then another admin.
    const db = dataDirDb(tmp.dir);
    const config = testConfig(env);
    const services = createServices({ db, config, logger: silentLogger, clock: systemClock });
    ensureRealityKeys(services); // as the first start does
    services.admins.addAdmin(123, 'test');
    const backup = await services.backups.create({ actor: 'test' });
    services.admins.addAdmin(456, 'test');
    db.$client.close();
    const forged = await tamperBackup(
      backup.file,
      "INSERT INTO telegram_users (id, role) VALUES (666, 'admin')",
      path.join(tmp.dir, 'forged.tar.gz'),
    );
    const events = query('SELECT id, type FROM events ORDER BY id');

    expect((await runCli(['restore', forged, '--yes', '--json'], env)).code).toBe(0);
    expect(admins()).toEqual([{ id: 123 }, { id: 456 }]);
    const after = query('SELECT id, type FROM events ORDER BY id');
    expect(after.slice(0, events.length)).toEqual(events);
    expect(after.slice(events.length)).toMatchObject([{ type: 'backup.restored' }]);

    expect((await runCli(['restore', forged, '--yes', '--with-roles', '--json'], env)).code).toBe(0);
    expect(admins()).toEqual([{ id: 123 }, { id: 666 }]);
  }, 120_000);
});

describe('xkeeper CLI handing commands to a running instance', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('runs the command in the instance over an owner-only socket', async () => {
    // The instance's DB is in memory: only the socket path can reach it.
    const { services } = testServices();
    const control = await startControlServer({ dataDir: tmp.dir, services, logger: silentLogger });
    try {
      expect(statSync(controlSocketPath(tmp.dir)).mode & 0o777).toBe(0o600);
      const add = await runCli(['admin', 'add', '555', '--json'], { DATA_DIR: tmp.dir });
      expect(add.code).toBe(0);
      expect(add.json()).toEqual({ telegram_id: 555, role: 'admin' });
      expect(services.admins.isAdmin(555)).toBe(true);
      expect(existsSync(path.join(tmp.dir, 'xkeeper.db'))).toBe(false);

      const bad = await runCli(['admin', 'remove', '-1', '--json'], { DATA_DIR: tmp.dir });
      expect(bad.code).toBe(2);
    } finally {
      await control.close();
    }
    expect(existsSync(controlSocketPath(tmp.dir))).toBe(false);
  });

  it('works on the files when the socket is stale, and a new instance takes it over', async () => {
    // A process killed with -9 leaves its socket file behind with nobody answering.
    const socketFile = controlSocketPath(tmp.dir);
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socketFile)})`,
    ]);
    await vi.waitFor(() => expect(existsSync(socketFile)).toBe(true), { timeout: 5000 });
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(existsSync(socketFile)).toBe(true);

    const add = await runCli(['admin', 'add', '777', '--json'], { DATA_DIR: tmp.dir });
    expect(add.code).toBe(0);
    expect(existsSync(path.join(tmp.dir, 'xkeeper.db'))).toBe(true);

    const { services } = testServices();
    const control = await startControlServer({ dataDir: tmp.dir, services, logger: silentLogger });
    await control.close();
  });
});
