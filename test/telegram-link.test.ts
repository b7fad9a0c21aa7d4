/**
 * The running app's view of Telegram once the bot polls: a single failed getUpdates is a blip
 * (health stays ok); failures in a row (here the Bot API answering 502, as a proxy in front of
 * a Telegram outage does) make it unreachable; the next answer brings it back, and the admins
 * hear about the outage once Telegram can carry the alert; a 409 that stops the runner is a loss
 * too, not the end of the process. (test/startup.test.ts covers the Bot API going away and
 * coming back through `npm start`.)
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startApp } from '../src/main.ts';
import { createFakeTelegram, type FakeTelegram } from './helpers/fake-telegram.ts';
import { silentLogger, tempDir, TEST_TOKEN } from './helpers/db.ts';
import { freePort } from './helpers/ports.ts';

const ADMIN = 4242;

describe('the bot losing Telegram after it connected', () => {
  let fake: FakeTelegram;
  let stop: () => Promise<void>;
  let port: number;
  const tmp = tempDir();
  const telegram = async () =>
    ((await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json()) as { telegram: string }).telegram;
  /** Every health answer over `ms`, a tenth of a second apart. */
  const watchHealth = async (ms: number) => {
    const seen = new Set<string>();
    for (const end = Date.now() + ms; Date.now() < end; await delay(100)) seen.add(await telegram());
    return seen;
  };

  beforeAll(async () => {
    fake = await createFakeTelegram();
    port = await freePort();
    const config = loadConfig(
      {
        BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        DATA_DIR: tmp.dir,
        HTTP_PORT: String(port),
        CORE_BIN: '/nonexistent/xray',
        ADMIN_IDS: String(ADMIN),
        LOG_LEVEL: 'silent',
      },
      { dotenv: false },
    );
    stop = await startApp(config, silentLogger);
    for (let i = 0; (await telegram()) !== 'ok'; i++) {
      if (i > 200) throw new Error('the bot never connected');
      await delay(100);
    }
  });
  afterAll(async () => {
    await stop();
    await fake.close();
    tmp.cleanup();
  });

  it('stays ok through one failed getUpdates', async () => {
    const before = fake.calls.length;
    fake.failNext('getUpdates', { error_code: 502, description: 'Bad Gateway' });
    // An update ends the pending long poll, so the next getUpdates is the failing one.
    fake.sendCommand({ id: 7, first_name: 'Ann' }, '/start');
    const seen = await watchHealth(5_000);
    expect(seen).toEqual(new Set(['ok']));
    // The failed poll happened: the next one came after the retry pause.
    const polls = fake.calls.slice(before).filter((c) => c.method === 'getUpdates');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls[1]!.at - polls[0]!.at).toBeGreaterThanOrEqual(2_500);
  }, 20_000);

  it('turns unreachable on failures in a row, back to ok on the next answer, and tells the admins', async () => {
    const before = fake.calls.length;
    fake.failNext('getUpdates', { error_code: 502, description: 'Bad Gateway', times: 3 });
    fake.sendCommand({ id: 8, first_name: 'Bob' }, '/start');
    const seen = await watchHealth(12_000);
    expect(seen).toEqual(new Set(['ok', 'unreachable']));
    expect(await telegram()).toBe('ok');
    // The update that came with the outage is answered once Telegram is back.
    expect((await fake.waitForReply(8, { timeoutMs: 10_000, after: before })).params.text).toMatch(/Bob/);
    const alert = await fake.waitForCall((c) => c.method === 'sendMessage' && c.params.chat_id === ADMIN, {
      timeoutMs: 15_000,
      after: before,
    });
    expect(alert.params.text).toMatch(
      /could not reach Telegram<\/b> for \d+ s \(<code>502 Bad Gateway<\/code>\)/,
    );
  }, 60_000);

  it('keeps running and polls again when Telegram stops the runner (409: another process polls)', async () => {
    const before = fake.calls.length;
    const conflict = 'Conflict: terminated by other getUpdates request';
    fake.failNext('getUpdates', { error_code: 409, description: conflict, times: 2 });
    fake.sendCommand({ id: 10, first_name: 'Eve' }, '/start');
    const seen = await watchHealth(8_000);
    expect(seen).toEqual(new Set(['ok', 'unreachable']));
    expect(await telegram()).toBe('ok');
    expect((await fake.waitForReply(10, { after: before })).params.text).toMatch(/Eve/);
    // Polling runs again: a later message is answered.
    fake.sendCommand({ id: 11, first_name: 'Max' }, '/start');
    expect((await fake.waitForReply(11, { timeoutMs: 10_000 })).params.text).toMatch(/Max/);
  }, 30_000);
});
