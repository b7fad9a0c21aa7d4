/** The DATA_DIR lock through startApp: a live holder refuses the start, a dead one's lock is taken over. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { AlreadyRunningError, LOCK_FILE } from '../src/data-dir-lock.ts';
import { startApp } from '../src/main.ts';
import { createFakeTelegram } from './helpers/fake-telegram.ts';
import { silentLogger, tempDir, TEST_TOKEN } from './helpers/db.ts';
import { freePort } from './helpers/ports.ts';

/** Kernel start time of `pid`, as the lock records it. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('the DATA_DIR lock', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  async function start(apiRoot: string) {
    const config = loadConfig(
      {
        BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: apiRoot,
        DATA_DIR: tmp.dir,
        HTTP_PORT: String(await freePort()),
        CORE_BIN: '/nonexistent/xray',
        LOG_LEVEL: 'silent',
      },
      { dotenv: false },
    );
    return startApp(config, silentLogger);
  }

  it('refuses to start while a live process holds it, touching nothing', async () => {
    const holder = spawn('sleep', ['30']);
    try {
      const lock = path.join(tmp.dir, LOCK_FILE);
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, start: startTime(holder.pid!) }));
      await expect(start('http://127.0.0.1:9')).rejects.toThrow(new AlreadyRunningError(holder.pid!).message);
      expect(existsSync(path.join(tmp.dir, 'xkeeper.db'))).toBe(false);
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: holder.pid });
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over the lock of a dead process, and of a pid reused by another process', async () => {
    const fake = await createFakeTelegram();
    try {
      const dead = spawnSync('true').pid;
      const lock = path.join(tmp.dir, LOCK_FILE);
      writeFileSync(lock, JSON.stringify({ pid: dead, start: '1' }));
      let stop = await start(fake.apiRoot);
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
      await stop();
      expect(existsSync(lock)).toBe(false);

      // The recorded pid is alive, but started at another time: not the process that locked.
      writeFileSync(lock, JSON.stringify({ pid: process.ppid, start: '1' }));
      stop = await start(fake.apiRoot);
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
      await stop();
    } finally {
      await fake.close();
    }
  });
});
