/**
 * The README's path, for real: `npm start` builds src/ into dist/ and runs it with node, no
 * TypeScript loader. Proves the compiled layout finds its own files (migrations, locales,
 * the core's .proto files, package.json) and serves Telegram and HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeTelegram, type FakeTelegram } from './helpers/fake-telegram.ts';
import { tempDir, TEST_TOKEN } from './helpers/db.ts';
import { freePort } from './helpers/ports.ts';
import { groupAlive } from './helpers/process.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<Response> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${output()}`);
    // Refused until HTTP listens, 503 while the rest starts.
    const res = await fetch(url).catch(() => null);
    if (res?.status === 200) return res;
    await delay(100);
  }
  throw new Error(`${url} never answered`);
}

describe('npm start (the built product)', () => {
  let fake: FakeTelegram;
  let child: ChildProcess;
  let port: number;
  let output = '';
  const tmp = tempDir();

  beforeAll(async () => {
    fake = await createFakeTelegram();
    port = await freePort();
    chmodSync(tmp.dir, 0o755);
    child = spawn('sh', ['-c', 'umask 022 && exec npm start'], {
      cwd: ROOT,
      // Its own process group: npm, the build and node all stop together.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        DATA_DIR: tmp.dir,
        HTTP_PORT: String(port),
        CORE_BIN: '/nonexistent/xray',
        LOG_LEVEL: 'info',
      },
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  }, 60_000);

  afterAll(async () => {
    if (groupAlive(child.pid!)) process.kill(-child.pid!, 'SIGKILL');
    await fake.close();
    tmp.cleanup();
  });

  it('builds, migrates and serves health from dist/', async () => {
    const res = await waitForHealth(`http://127.0.0.1:${port}/api/v1/health`, child, () => output);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: VERSION, core: { running: false } });
    expect(output).toContain(
      'node --expose-gc --max-old-space-size=384 --max-semi-space-size=4 --v8-pool-size=1 --no-allocation-site-pretenuring dist/main.js',
    );
    expect(output).toContain('database ready');
    // Started with the usual umask 022, the secrets are the owner's alone all the same.
    expect(statSync(tmp.dir).mode & 0o777).toBe(0o700);
    for (const file of ['xkeeper.db', 'xkeeper.db-wal', 'xkeeper.db-shm'])
      expect([file, statSync(path.join(tmp.dir, file)).mode & 0o777]).toEqual([file, 0o600]);
  }, 60_000);

  it('answers /start in the user language, from the locales', async () => {
    fake.sendCommand({ id: 8, first_name: 'Ivan', language_code: 'ru' }, '/start');
    const reply = await fake.waitForReply(8);
    expect(reply.params.text).toMatch(/Ivan/);
    expect(reply.params.text).not.toMatch(/^Hi, /);
  });

  it('stops cleanly on SIGTERM', async () => {
    process.kill(-child.pid!, 'SIGTERM');
    // npm leaves at once; the app itself is done when the last of the group is gone.
    for (let i = 0; i < 200 && groupAlive(child.pid!); i++) await delay(50);
    expect(groupAlive(child.pid!)).toBe(false);
    expect(output).toMatch(/"msg":"stopped"/);
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/health`)).rejects.toThrow();
  });
});
