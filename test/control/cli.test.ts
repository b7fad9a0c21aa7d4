import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { controlSocketPath, startControlServer } from '../../src/control/socket.ts';
import { openDatabase } from '../../src/db/client.ts';
import { knownMigrations } from '../../src/db/migrate.ts';
import { runCli } from '../helpers/cli.ts';
import { silentLogger, tempDir, testServices } from '../helpers/db.ts';

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
    expect(badArg.stderr).toMatch(/telegramId/);

    expect((await runCli(['no-such-command'], env)).code).toBe(2);

    const owner = await runCli(['admin', 'remove', '42', '--json'], env);
    expect(owner.code).toBe(1);
    expect(owner.stdout).toBe('');
    expect(owner.stderr).toMatch(/LAST_OWNER/);
  });
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
