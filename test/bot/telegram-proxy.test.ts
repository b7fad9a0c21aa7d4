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

  for (const scheme of ['http', 'socks5'] as const) {
    it(`connects the bot and answers /start through a ${scheme}:// proxy`, async () => {
      const port = await freePort();
      const dataDir = path.join(tmp.dir, scheme);
      const config = loadConfig(
        {
          BOT_TOKEN: TEST_TOKEN,
          TELEGRAM_API_ROOT: 'http://192.0.2.1:8081', // routed nowhere: only the proxy gets through
          TELEGRAM_PROXY: `${scheme}://127.0.0.1:${scheme === 'http' ? httpPort : socksPort}`,
          DATA_DIR: dataDir,
          HTTP_PORT: String(port),
          CORE_BIN: '/nonexistent/xray',
          LOG_LEVEL: 'silent',
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
        const user = { id: scheme === 'http' ? 31 : 32, first_name: 'Proxied' };
        fake.sendCommand(user, '/start');
        expect((await fake.waitForReply(user.id, { timeoutMs: 15_000 })).params.text).toMatch(/Proxied/);
      } finally {
        await stop();
      }
    }, 60_000);
  }
});
