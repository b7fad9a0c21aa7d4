import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startApp } from '../src/main.ts';
import { createFakeTelegram, type FakeTelegram } from './helpers/fake-telegram.ts';
import { silentLogger, tempDir, TEST_TOKEN } from './helpers/db.ts';
import { freePort } from './helpers/ports.ts';

describe('the whole app (npm start path)', () => {
  let fake: FakeTelegram;
  let stop: () => Promise<void>;
  let port: number;
  const tmp = tempDir();

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
        LOG_LEVEL: 'silent',
      },
      { dotenv: false },
    );
    stop = await startApp(config, silentLogger);
  });
  afterAll(async () => {
    await stop();
    await fake.close();
    tmp.cleanup();
  });

  it('serves health over real HTTP once started', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; version: string; core: { running: boolean } };
    // No core binary here: the VPN part is down, which health now says (still 200).
    expect(body.status).toBe('degraded');
    expect(body.core.running).toBe(false);
  });

  it('answers /start through the fake Telegram server', async () => {
    fake.sendCommand({ id: 7, first_name: 'Ann', language_code: 'en' }, '/start');
    expect((await fake.waitForReply(7)).params.text).toMatch(/^Hi, Ann!/);
  });

  it('stops everything once, however often asked', async () => {
    const first = stop();
    const second = stop();
    expect(first).toBe(second);
    await first;
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/health`)).rejects.toThrow();
  });
});
