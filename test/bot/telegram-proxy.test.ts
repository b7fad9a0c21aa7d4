/**
 * TELEGRAM_PROXY: Bot API calls go through an http:// or socks5:// proxy. The Bot API root is
 * an address nothing routes to (TEST-NET-1); only the proxy, a real v2ray whose outbound
 * sends every connection to the fake Telegram server, gets there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startApp } from '../../src/main.ts';
import { canConnect, V2RAY, waitFor } from '../core/fixtures.ts';
import { createFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { silentLogger, tempDir, TEST_TOKEN } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';

describe('Bot API through TELEGRAM_PROXY', () => {
  let fake: FakeTelegram;
  let proxy: ChildProcess;
  let httpPort: number;
  let socksPort: number;
  const tmp = tempDir();

  beforeAll(async () => {
    fake = await createFakeTelegram();
    httpPort = await freePort();
    socksPort = await freePort();
    const file = path.join(tmp.dir, 'proxy.json');
    writeFileSync(
      file,
      JSON.stringify({
        log: { loglevel: 'warning' },
        inbounds: [
          { listen: '127.0.0.1', port: httpPort, protocol: 'http', settings: {} },
          { listen: '127.0.0.1', port: socksPort, protocol: 'socks', settings: { auth: 'noauth' } },
        ],
        outbounds: [
          { protocol: 'freedom', settings: { redirect: `127.0.0.1:${new URL(fake.apiRoot).port}` } },
        ],
      }),
    );
    proxy = spawn(V2RAY, ['-config', file], { stdio: 'ignore' });
    await waitFor(async () => (await canConnect(httpPort)) && (await canConnect(socksPort)), 10_000);
  });

  afterAll(async () => {
    proxy.kill('SIGKILL');
    await fake.close();
    tmp.cleanup();
  });

  /** Starts the app with `env`; resolves once health says the bot reaches Telegram, and answers /start. */
  async function expectBotServes(env: Record<string, string>, userId: number) {
    const port = await freePort();
    const config = loadConfig(
      {
        BOT_TOKEN: TEST_TOKEN,
        DATA_DIR: path.join(tmp.dir, String(userId)),
        HTTP_PORT: String(port),
        CORE_BIN: '/nonexistent/xray',
        LOG_LEVEL: 'silent',
        ...env,
      },
      { dotenv: false },
    );
    const stop = await startApp(config, silentLogger);
    try {
      await waitFor(async () => {
        const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json()) as {
          telegram: string;
        };
        return body.telegram === 'ok';
      }, 20_000);
      fake.sendCommand({ id: userId, first_name: 'Proxied' }, '/start');
      expect((await fake.waitForReply(userId, { timeoutMs: 15_000 })).params.text).toMatch(/Proxied/);
    } finally {
      await stop();
    }
  }

  // TEST-NET-1 is routed nowhere: only the proxy gets through.
  const unroutable = 'http://192.0.2.1:8081';

  it('connects the bot and answers /start through an http:// proxy', async () => {
    await expectBotServes(
      { TELEGRAM_API_ROOT: unroutable, TELEGRAM_PROXY: `http://127.0.0.1:${httpPort}` },
      31,
    );
  }, 60_000);

  it('connects the bot and answers /start through a socks5:// proxy', async () => {
    await expectBotServes(
      { TELEGRAM_API_ROOT: unroutable, TELEGRAM_PROXY: `socks5://127.0.0.1:${socksPort}` },
      32,
    );
  }, 60_000);

  it('takes HTTPS_PROXY when TELEGRAM_PROXY is not set', async () => {
    await expectBotServes({ TELEGRAM_API_ROOT: unroutable, HTTPS_PROXY: `http://127.0.0.1:${httpPort}` }, 33);
  }, 60_000);

  it('leaves a machine-wide HTTPS_PROXY out of calls to a Bot API server on loopback', async () => {
    const deadProxy = `http://127.0.0.1:${await freePort()}`;
    await expectBotServes({ TELEGRAM_API_ROOT: fake.apiRoot, HTTPS_PROXY: deadProxy }, 34);
  }, 60_000);
});
